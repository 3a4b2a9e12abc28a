package io.eggcluster.it;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.eggcluster.jetty.api.AgentHook;
import jakarta.servlet.ServletContextListener;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** WARs made for one test, dropped into a cluster's fresh base. */
final class TestWars
{
    private TestWars()
    {
    }

    /**
     * @param bundled more classes to put in {@code WEB-INF/classes}
     * @return a customizer that puts {@code webapps/<name>.war}, declaring {@code listener}, into a base
     */
    static java.util.function.Consumer<Path> withListenerWar(String name, Class<? extends ServletContextListener> listener,
                                                            Class<?>... bundled)
    {
        return base ->
        {
            WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addClass(listener)
                .addClasses(bundled)
                .setWebXML(new StringAsset("""
                    <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                      <listener><listener-class>%s</listener-class></listener>
                    </web-app>
                    """.formatted(listener.getName())));
            // the listener's test-WAR superclasses (ServletListener) travel with it
            for (Class<?> c = listener.getSuperclass(); c != null && c.getPackage() == listener.getPackage();
                 c = c.getSuperclass())
                war.addClass(c);
            war.as(ZipExporter.class).exportTo(base.resolve("webapps").resolve(name + ".war").toFile(), true);
        };
    }

    /**
     * @return a customizer that puts {@code webapps/<name>.war} into a base, declaring {@code hook} as its agent hook
     * (and no servlet or listener)
     */
    static java.util.function.Consumer<Path> withAgentHookWar(String name, Class<?> hook, Class<?>... bundled)
    {
        return base ->
        {
            WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addClass(hook)
                .addClasses(bundled)
                .addAsWebInfResource(new StringAsset(hook.getName() + "\n"),
                    "classes/META-INF/services/io.eggcluster.jetty.api.AgentHook")
                .setWebXML(new StringAsset("""
                    <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"/>
                    """));
            war.as(ZipExporter.class).exportTo(base.resolve("webapps").resolve(name + ".war").toFile(), true);
        };
    }

    /**
     * @param listeners the web.xml listeners, declared in this order
     * @param agentHook the agent hook the WAR declares in {@code META-INF/services}, or null
     * @return a customizer that puts {@code webapps/<name>.war} into a base
     */
    static Consumer<Path> withWar(String name, List<Class<? extends ServletContextListener>> listeners,
                                  Class<? extends AgentHook> agentHook)
    {
        return base ->
        {
            String declared = listeners.stream()
                .map(l -> "  <listener><listener-class>" + l.getName() + "</listener-class></listener>")
                .collect(Collectors.joining("\n"));
            WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .setWebXML(new StringAsset("""
                    <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                    %s
                    </web-app>
                    """.formatted(declared)));
            listeners.forEach(war::addClass);
            if (agentHook != null)
                war.addClass(agentHook).addAsResource(new StringAsset(agentHook.getName() + "\n"),
                    "META-INF/services/" + AgentHook.class.getName());
            war.as(ZipExporter.class).exportTo(base.resolve("webapps").resolve(name + ".war").toFile(), true);
        };
    }
}
