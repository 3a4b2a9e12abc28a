package io.eggcluster.jetty.api;

import java.lang.reflect.Method;

/**
 * Finds the process's messenger in the extension's internals (which webapps cannot see, but this class, loaded by
 * the server, can).
 */
final class MessengerLookup
{
    private static final String HOLDER = "io.eggcluster.jetty.internal.messenger.ProcessMessenger";

    private MessengerLookup()
    {
    }

    static Messenger current()
    {
        try
        {
            Class<?> holder = Class.forName(HOLDER, true, MessengerLookup.class.getClassLoader());
            Method current = holder.getMethod("current");
            Messenger messenger = (Messenger)current.invoke(null);
            if (messenger != null)
                return messenger;
        }
        catch (ReflectiveOperationException | LinkageError e)
        {
            throw new IllegalStateException("no Egg cluster messenger: the egg-cluster extension is not on the " +
                "server class path (" + e + ")");
        }
        throw new IllegalStateException("no Egg cluster messenger in this process: it was not started by an " +
            "Egg cluster master as an agent or a worker");
    }
}
