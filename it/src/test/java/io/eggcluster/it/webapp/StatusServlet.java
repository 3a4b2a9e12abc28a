package io.eggcluster.it.webapp;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: {@code GET /status} tells what the webapp saw; {@code GET /status?late=1} registers an egg-ready hook
 * and says whether it ran before the registration returned.
 */
public class StatusServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Messenger messenger = (Messenger)getServletContext().getAttribute(Messenger.ATTRIBUTE);
        String late = "";
        if (request.getParameter("late") != null && messenger != null)
        {
            AtomicBoolean ran = new AtomicBoolean();
            messenger.onEggReady(m -> ran.set(true));
            late = ",\"lateHookRanAtOnce\":" + ran.get();
        }
        response.setContentType("application/json");
        response.getWriter().write("{\"attribute\":" + (messenger != null) + ",\"sameProcess\":" +
            (messenger != null && messenger.self().pid() == Messenger.current().self().pid()) + ",\"attributeInListener\":" + HooksListener.attributeSeen +
            ",\"eggReadyCalls\":" + HooksListener.EGG_READY_CALLS.get() + ",\"pings\":\"" + HooksListener.PINGS + "\"" +
            late + "}");
    }
}
