package io.eggcluster.jetty.internal.admin;

import java.util.concurrent.CompletableFuture;

/**
 * What an operator may ask of the master (through the control socket): each answer completes once the request is
 * done, normally with a line that says what was done, or exceptionally with the reason it failed or was refused.
 */
public interface AdminCommands
{
    /** A rolling reload of the workers (as SIGHUP); completes when it has finished or failed. */
    CompletableFuture<String> reload();

    /** Adds or removes workers, one at a time, until there are {@code workers}; completes when there are. */
    CompletableFuture<String> scale(int workers);

    /** Stops the cluster (as SIGTERM); completes at once, when the stop has begun. */
    CompletableFuture<String> stop();
}
