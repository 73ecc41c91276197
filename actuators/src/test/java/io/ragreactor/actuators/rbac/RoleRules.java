package io.ragreactor.actuators.rbac;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rules of one namespaced Role and the namespaces where a RoleBinding in the same manifest binds it, evaluated
 * the way the RBAC authorizer does: a request is allowed when one rule matches its verb, API group and resource.
 */
final class RoleRules {

    private static final String WILDCARD = "*";

    private final String roleName;
    private final List<PolicyRule> rules;
    private final Set<String> boundNamespaces;

    private RoleRules(final String roleName, final List<PolicyRule> rules, final Set<String> boundNamespaces) {
        this.roleName = roleName;
        this.rules = List.copyOf(rules);
        this.boundNamespaces = Set.copyOf(boundNamespaces);
    }

    /** Loads the Role named {@code roleName} and the namespaces of the RoleBindings that refer to it from a manifest. */
    static RoleRules load(final Path manifest, final String roleName) {
        final List<HasMetadata> objects;
        try (InputStream in = Files.newInputStream(manifest)) {
            objects = asList(new KubernetesSerialization().unmarshal(in));
        } catch (final IOException e) {
            throw new UncheckedIOException("Reading the RBAC manifest failed: " + manifest.toAbsolutePath(), e);
        }
        final Role role = objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(r -> roleName.equals(r.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Role " + roleName + " not found in " + manifest));
        final Set<String> bound = objects.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .filter(b -> "Role".equals(b.getRoleRef().getKind()) && roleName.equals(b.getRoleRef().getName()))
                .map(b -> b.getMetadata().getNamespace())
                // A RoleBinding can refer only to a Role in its own namespace.
                .filter(namespace -> namespace != null && namespace.equals(role.getMetadata().getNamespace()))
                .collect(Collectors.toSet());
        return new RoleRules(roleName, role.getRules() == null ? List.of() : role.getRules(), bound);
    }

    /** Returns null when the Role allows the request, or why it does not. */
    String deniedReason(final ApiRequest request) {
        if (request.nonResource()) {
            return "a Role cannot grant a request that names no resource";
        }
        if (request.namespace() == null) {
            return "a Role cannot grant a cluster-scoped request";
        }
        if (!boundNamespaces.contains(request.namespace())) {
            return "no RoleBinding binds Role " + roleName + " in namespace " + request.namespace()
                    + " (bound in " + boundNamespaces + ")";
        }
        final boolean allowed = rules.stream().anyMatch(rule -> matches(rule, request));
        return allowed ? null : "no rule of Role " + roleName + " allows it";
    }

    private static boolean matches(final PolicyRule rule, final ApiRequest request) {
        return contains(rule.getVerbs(), request.verb())
                && contains(rule.getApiGroups(), request.apiGroup())
                && contains(rule.getResources(), request.qualifiedResource())
                && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                    || rule.getResourceNames().contains(request.name()));
    }

    private static boolean contains(final List<String> values, final String value) {
        return values != null && (values.contains(value) || values.contains(WILDCARD));
    }

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> asList(final Object unmarshalled) {
        // A manifest with several documents unmarshals to a list, a manifest with one document to the object.
        if (unmarshalled instanceof List<?> list) {
            return (List<HasMetadata>) list;
        }
        return List.of((HasMetadata) unmarshalled);
    }
}
