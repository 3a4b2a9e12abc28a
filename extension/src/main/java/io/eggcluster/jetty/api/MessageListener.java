package io.eggcluster.jetty.api;

/**
 * Receives the messages of one action, registered with {@link Messenger#on(String, MessageListener)}.
 *
 * <p>Called on one of the process's messenger threads, one message at a time (never two listener calls at once in
 * a process), each sender's messages in the order they were sent; a slow listener delays the next messages. An
 * exception thrown here is logged with the action and the sender and affects neither the other listeners nor later
 * messages. A listener cannot wait for the answer to a {@link Messenger#request request}: it would be delivered on
 * this same thread after the listener returns, so {@code get()} or {@code join()} here throws an
 * {@link IllegalStateException}; chain on the future instead.</p>
 */
@FunctionalInterface
public interface MessageListener
{
    void onMessage(Message message) throws Exception;
}
