package io.ragreactor.embedded.s3;

import java.net.URI;
import java.time.Duration;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3-protocol server (S3Proxy 2.6) started in-process on 127.0.0.1 with an ephemeral port, storing
 * objects in memory, and checking AWS signatures against fixed local credentials.
 */
public final class EmbeddedS3Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3Server.class);

    /** Access key the server accepts; a local test credential, not a secret. */
    public static final String ACCESS_KEY = "rag-reactor-local";
    /** Secret key the server accepts; a local test credential, not a secret. */
    public static final String SECRET_KEY = "rag-reactor-local-secret";

    /** jclouds provider of S3Proxy that keeps blobs in an in-memory file system, deleted with the server. */
    private static final String IN_MEMORY_PROVIDER = "transient-nio2";
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final S3Proxy proxy;
    private final BlobStoreContext blobStoreContext;
    private final URI endpoint;
    private boolean closed;

    private EmbeddedS3Server(final S3Proxy proxy, final BlobStoreContext blobStoreContext, final URI endpoint) {
        this.proxy = proxy;
        this.blobStoreContext = blobStoreContext;
        this.endpoint = endpoint;
    }

    /** Starts a server with an empty in-memory store and returns once it accepts requests. */
    public static EmbeddedS3Server start() {
        final BlobStoreContext context = ContextBuilder.newBuilder(IN_MEMORY_PROVIDER)
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build(BlobStoreContext.class);
        final S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://" + LOOPBACK + ":0"))
                .build();
        try {
            proxy.start();
            awaitStarted(proxy);
        } catch (final Exception e) {
            stopQuietly(proxy);
            context.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("embedded S3 server failed to start on " + LOOPBACK, e);
        }
        final URI endpoint = URI.create("http://" + LOOPBACK + ":" + proxy.getPort());
        LOG.info("Embedded S3 server started: endpoint=[{}]", endpoint);
        return new EmbeddedS3Server(proxy, context, endpoint);
    }

    /** Waits for Jetty's STARTED state before the bound port is read, as S3Proxy's own JUnit support does. */
    private static void awaitStarted(final S3Proxy proxy) throws InterruptedException {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy still in state " + proxy.getState() + " after "
                        + START_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }

    /** Base URL of the server, for example {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return endpoint;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /**
     * Creates an AWS SDK v2 client for this server: path-style addressing, region us-east-1, the URL-connection
     * HTTP client, and checksums only where S3 requires them. With the SDK's default checksums S3Proxy 2.6
     * rejects every upload with HTTP 400 because the x-amz-content-sha256 header does not match its own
     * hash. The caller closes the client.
     */
    public S3Client newClient() {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** Stops S3Proxy's Jetty server, whose non-daemon threads would otherwise keep the JVM alive, and drops the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(proxy);
        blobStoreContext.close();
        LOG.info("Embedded S3 server stopped: endpoint=[{}]", endpoint);
    }

    private static void stopQuietly(final S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (final Exception e) {
            LOG.warn("Embedded S3 server did not stop cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedS3Server[" + endpoint + "]";
    }
}
