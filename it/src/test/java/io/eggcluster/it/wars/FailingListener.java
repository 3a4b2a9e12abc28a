package io.eggcluster.it.wars;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** In a test WAR: a webapp that cannot start. */
public class FailingListener implements ServletContextListener
{
    public static final String MESSAGE = "failing-war refuses to start: no database at db.invalid";

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        throw new IllegalStateException(MESSAGE);
    }
}
