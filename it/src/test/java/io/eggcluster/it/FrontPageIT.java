package io.eggcluster.it;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample WAR's front page: {@code /} names the endpoints and the worker that served it; no directory of the WAR is
 * ever listed (before, {@code /} was Jetty's listing of the WAR's files).
 */
class FrontPageIT
{
    @Test
    void theRootIsAPageNamingTheEndpointsAndTheWorkerAndNoDirectoryIsListed() throws Exception
    {
        try (Cluster cluster = Cluster.start("front-page", "jetty.egg.workers=1"))
        {
            long pid = cluster.awaitEggReady().workerPids().get(0);
            Cluster.Response front = cluster.get("/");
            assertEquals(200, front.status(), front.body());
            String page = front.body();
            assertTrue(page.startsWith("<!DOCTYPE html>"), page);
            assertTrue(page.contains("Served by worker <span id=\"worker-id\">1</span>, pid <span id=\"pid\">" + pid +
                "</span>"), "this worker's identity: " + page);
            for (String endpoint : new String[] {"/pid", "/hello", "/all-ready", "/cache", "/slow", "/probe/send", "/rtt"})
                assertTrue(page.contains(endpoint), endpoint + " is named: " + page);
            assertFalse(page.contains("static/"), "not a listing of the WAR: " + page);

            // a directory of the WAR exists (its file is served) but is not listed
            Cluster.Response file = cluster.get("/static/README.txt");
            assertEquals(200, file.status(), file.body());
            Cluster.Response dir = cluster.get("/static/");
            assertTrue(dir.status() == 403 || dir.status() == 404, "a directory answers 403/404, got " + dir.status() +
                ": " + dir.body());
            assertFalse(dir.body().contains("README.txt"), "no listing: " + dir.body());
        }
    }
}
