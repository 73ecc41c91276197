package io.ragreactor.actuators;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the Kubernetes and S3 clients an actuator uses from its configuration. */
public final class ActuatorClients {

    private ActuatorClients() {
    }

    /** Builds a Kubernetes client for the configured master URL, or from the kubeconfig or in-cluster config when it is empty. */
    public static KubernetesClient kubernetes(final ActuatorConfig config) {
        final Config auto = Config.autoConfigure(null);
        final Config clientConfig = config.kubernetesMasterUrl().isEmpty()
                ? auto
                : new ConfigBuilder(auto).withMasterUrl(config.kubernetesMasterUrl()).build();
        return new KubernetesClientBuilder().withConfig(clientConfig).build();
    }

    /** Builds an S3 client on the URL-connection HTTP client, with the configured endpoint, region, addressing and credentials. */
    public static S3Client s3(final ActuatorConfig config) {
        final S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.s3Region()))
                .forcePathStyle(config.s3PathStyleAccess())
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(config));
        if (!config.s3EndpointOverride().isEmpty()) {
            // S3-compatible stores often reject the SDK's default trailing checksums, so send them only where
            // the S3 API requires them.
            builder.endpointOverride(URI.create(config.s3EndpointOverride()))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(final ActuatorConfig config) {
        final String accessKey = config.s3AccessKey().value();
        if (accessKey.isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, config.s3SecretKey().value()));
    }
}
