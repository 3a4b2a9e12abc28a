package io.eggcluster.jetty.internal.child;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds, in each WAR (or exploded webapp directory) of the webapps directory, the {@link AgentHook}s it declares
 * in {@code WEB-INF/classes/META-INF/services/io.eggcluster.jetty.api.AgentHook}, loads them with the WAR's own
 * classes and jars (the server's class loader as parent, so the API is the server's), and starts them with the
 * agent's messenger; stops them in reverse order.
 */
class AgentHooks extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(AgentHooks.class);

    private final Path webapps;
    private final Messenger messenger;
    private final List<AgentHook> started = new ArrayList<>();
    private final List<URLClassLoader> loaders = new ArrayList<>();
    private final List<Path> extracted = new ArrayList<>();

    AgentHooks(Path webapps, Messenger messenger)
    {
        this.webapps = webapps;
        this.messenger = messenger;
    }

    @Override
    protected void doStart() throws Exception
    {
        if (!Files.isDirectory(webapps))
        {
            LOG.info("{}: no webapps directory {}, no agent hooks", messenger.self(), webapps);
            return;
        }
        List<Path> apps;
        try (Stream<Path> list = Files.list(webapps))
        {
            apps = list.filter(p -> p.toString().endsWith(".war") || Files.isDirectory(p.resolve("WEB-INF")))
                .sorted().toList();
        }
        for (Path app : apps)
            startHooks(app);
        LOG.info("{} started {} agent hook(s) from {}", messenger.self(), started.size(), webapps);
    }

    private void startHooks(Path app) throws Exception
    {
        Path webInf = app.toString().endsWith(".war") ? extract(app) : app.resolve("WEB-INF");
        List<URL> urls = new ArrayList<>();
        if (Files.isDirectory(webInf.resolve("classes")))
            urls.add(webInf.resolve("classes").toUri().toURL());
        if (Files.isDirectory(webInf.resolve("lib")))
        {
            try (Stream<Path> jars = Files.list(webInf.resolve("lib")))
            {
                for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList())
                    urls.add(jar.toUri().toURL());
            }
        }
        URLClassLoader loader = new URLClassLoader("egg-agent:" + app.getFileName(), urls.toArray(new URL[0]),
            AgentHooks.class.getClassLoader());
        loaders.add(loader);
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try
        {
            for (ServiceLoader.Provider<AgentHook> provider : ServiceLoader.load(AgentHook.class, loader).stream().toList())
            {
                if (provider.type().getClassLoader() != loader)
                    continue;
                AgentHook hook = provider.get();
                LOG.info("{} starts agent hook {} of {}", messenger.self(), provider.type().getName(), app.getFileName());
                try
                {
                    hook.start(messenger);
                }
                catch (Exception e)
                {
                    throw new IllegalStateException("agent hook " + provider.type().getName() + " of " + app +
                        " failed to start: " + e, e);
                }
                started.add(hook);
            }
        }
        catch (ServiceConfigurationError e)
        {
            throw new IllegalStateException("the agent hooks of " + app + " cannot be loaded: " + e.getMessage(), e);
        }
        finally
        {
            thread.setContextClassLoader(previous);
        }
    }

    /** Copies a WAR's WEB-INF/classes and WEB-INF/lib to a temporary directory, the rest is not needed. */
    private Path extract(Path war) throws IOException
    {
        Path dir = Files.createTempDirectory("egg-agent-" + war.getFileName() + "-");
        extracted.add(dir);
        try (ZipFile zip = new ZipFile(war.toFile()))
        {
            for (ZipEntry entry : zip.stream().toList())
            {
                String name = entry.getName();
                if (entry.isDirectory() || !(name.startsWith("WEB-INF/classes/") || name.startsWith("WEB-INF/lib/")))
                    continue;
                Path target = dir.resolve(name).normalize();
                if (!target.startsWith(dir))
                    throw new IOException("entry " + name + " of " + war + " points outside the WAR");
                Files.createDirectories(target.getParent());
                try (InputStream in = zip.getInputStream(entry))
                {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return dir.resolve("WEB-INF");
    }

    @Override
    protected void doStop() throws Exception
    {
        for (int i = started.size() - 1; i >= 0; i--)
        {
            try
            {
                started.get(i).stop();
            }
            catch (Exception e)
            {
                LOG.warn("{}: agent hook {} failed to stop", messenger.self(), started.get(i).getClass().getName(), e);
            }
        }
        started.clear();
        for (URLClassLoader loader : loaders)
            loader.close();
        loaders.clear();
        for (Path dir : extracted)
            delete(dir);
        extracted.clear();
    }

    private static void delete(Path dir)
    {
        try (Stream<Path> walk = Files.walk(dir))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (IOException | UncheckedIOException e)
        {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
