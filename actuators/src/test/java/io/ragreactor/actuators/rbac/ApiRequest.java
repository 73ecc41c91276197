package io.ragreactor.actuators.rbac;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * A Kubernetes API request reduced to what RBAC authorizes: verb, API group, resource, subresource and namespace.
 * {@link #of} derives them from the HTTP method and path the way the API server's request info resolver does.
 *
 * @param verb the RBAC verb, such as get, list, watch, create, update, patch, delete or deletecollection
 * @param apiGroup the API group, empty for the core group
 * @param resource the resource, or null for a request that names no resource (discovery, version)
 * @param subresource the subresource, such as log, exec, status or scale, or null
 * @param namespace the namespace, or null for a cluster-scoped request
 * @param name the object's name, or null for a request on a collection
 */
record ApiRequest(String verb, String apiGroup, String resource, String subresource, String namespace,
                  String name) {

    // The API server reads these after /namespaces/{name}/ as subresources of the Namespace, not as resources.
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /** Maps an HTTP method and request path (with its query) onto the request RBAC checks. */
    static ApiRequest of(final String method, final String pathWithQuery) {
        final int queryStart = pathWithQuery.indexOf('?');
        final String path = queryStart < 0 ? pathWithQuery : pathWithQuery.substring(0, queryStart);
        final String query = queryStart < 0 ? "" : pathWithQuery.substring(queryStart + 1);
        final String[] segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);

        // The API group: /api/{version}/... is the core group, /apis/{group}/{version}/... a named one.
        final String apiGroup;
        final int restStart;
        if (segments.length >= 2 && segments[0].equals("api")) {
            apiGroup = "";
            restStart = 2;
        } else if (segments.length >= 3 && segments[0].equals("apis")) {
            apiGroup = segments[1];
            restStart = 3;
        } else {
            return nonResource(method);
        }
        String[] rest = Arrays.copyOfRange(segments, restStart, segments.length);
        if (rest.length == 0) {
            return nonResource(method);
        }

        // The namespace, unless the path addresses a Namespace object or one of its subresources.
        String namespace = null;
        if (rest[0].equals("namespaces") && rest.length > 1) {
            namespace = rest[1];
            if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.contains(rest[2])) {
                rest = Arrays.copyOfRange(rest, 2, rest.length);
            }
        }
        final String resource = rest[0];
        final String name = rest.length > 1 ? rest[1] : null;
        final String subresource = rest.length > 2 ? rest[2] : null;
        return new ApiRequest(verb(method, name != null, watchRequested(query)), apiGroup, resource, subresource,
                namespace, name);
    }

    /** Returns true when the request names no resource, such as /version or a discovery path. */
    boolean nonResource() {
        return resource == null;
    }

    /** Returns the resource as RBAC rules write it: {@code resource} or {@code resource/subresource}. */
    String qualifiedResource() {
        return subresource == null ? resource : resource + "/" + subresource;
    }

    @Override
    public String toString() {
        if (nonResource()) {
            return verb + " (no resource)";
        }
        return verb + " " + (apiGroup.isEmpty() ? "" : apiGroup + "/") + qualifiedResource()
                + (namespace == null ? "" : " in namespace " + namespace) + (name == null ? "" : " named " + name);
    }

    private static ApiRequest nonResource(final String method) {
        return new ApiRequest(method.toLowerCase(Locale.ROOT), "", null, null, null, null);
    }

    private static String verb(final String method, final boolean named, final boolean watch) {
        return switch (method.toUpperCase(Locale.ROOT)) {
            case "GET", "HEAD" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase(Locale.ROOT);
        };
    }

    private static boolean watchRequested(final String query) {
        for (final String parameter : query.split("&")) {
            if (parameter.equals("watch=true") || parameter.equals("watch=1")) {
                return true;
            }
        }
        return false;
    }
}
