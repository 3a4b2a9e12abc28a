package io.eggcluster.jetty.internal.messenger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The future of a request, and of every stage chained to it: waiting for it ({@link #get()}, {@link #join()}) on a
 * thread that runs the messenger's listeners, request handlers or pre-egg-ready hooks throws an
 * {@link IllegalStateException} at once instead of blocking until the request times out. That thread is the one
 * that would deliver the answer (messages are handled one at a time, each sender's in order), so the answer could
 * never come while it waits. Chaining ({@code thenAccept}, {@code whenComplete}, a handler returning the stage)
 * works anywhere.
 */
final class Answer<T> extends CompletableFuture<T>
{
    private final BooleanSupplier onDispatchThread;
    private final String what;

    /**
     * @param onDispatchThread whether the calling thread is one the answer would be delivered on
     * @param what the request, for the message
     */
    Answer(BooleanSupplier onDispatchThread, String what)
    {
        this.onDispatchThread = onDispatchThread;
        this.what = what;
    }

    private void checkMayWait()
    {
        if (!isDone() && onDispatchThread.getAsBoolean())
            throw new IllegalStateException("cannot wait for the answer to " + what + " on the messenger's thread " +
                "(in a listener, a request handler or an egg-ready hook run before egg-ready): the answer is " +
                "delivered on this thread, after the code waiting here returns; chain on the future instead " +
                "(thenAccept, whenComplete), or return it from a request handler");
    }

    @Override
    public T get() throws InterruptedException, ExecutionException
    {
        checkMayWait();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException
    {
        checkMayWait();
        return super.get(timeout, unit);
    }

    @Override
    public T join()
    {
        checkMayWait();
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture()
    {
        return new Answer<>(onDispatchThread, what);
    }
}
