package io.ragreactor.actuators.provider;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Keeps the first bytes of a response body as UTF-8 text and cancels the rest, so a large or endless body
 * neither fills memory nor keeps the probe's connection open.
 */
final class PrefixBodySubscriber implements HttpResponse.BodySubscriber<String> {

    private final int maxBytes;
    private final ByteArrayOutputStream prefix = new ByteArrayOutputStream();
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    PrefixBodySubscriber(final int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public CompletionStage<String> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(final Flow.Subscription newSubscription) {
        this.subscription = newSubscription;
        newSubscription.request(1);
    }

    @Override
    public void onNext(final List<ByteBuffer> buffers) {
        for (final ByteBuffer buffer : buffers) {
            final int take = Math.min(buffer.remaining(), maxBytes - prefix.size());
            final byte[] bytes = new byte[take];
            buffer.get(bytes);
            prefix.write(bytes, 0, take);
        }
        if (prefix.size() >= maxBytes) {
            subscription.cancel();
            complete();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onError(final Throwable error) {
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        complete();
    }

    private void complete() {
        body.complete(prefix.toString(StandardCharsets.UTF_8));
    }
}
