package io.eggcluster.jetty.api;

/**
 * Receives the messages of one action, registered with {@link Messenger#on(String, MessageListener)}.
 *
 * <p>Called on the process's single messenger thread, one message at a time, in the order the messages arrived;
 * a slow listener delays the next messages. An exception thrown here is logged with the action and the sender and
 * affects neither the other listeners nor later messages.</p>
 */
@FunctionalInterface
public interface MessageListener
{
    void onMessage(Message message) throws Exception;
}
