package lanchat.ui.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * One HTTP connection: exchanges the printed link's one-time token for a session cookie, checks that cookie on every
 * other request (and the Origin on the WebSocket upgrade), serves the page, and after the upgrade turns text frames
 * into commands under a per-connection rate limit (and chat lines under a lower one).
 */
final class WebHandler extends SimpleChannelInboundHandler<Object> {
    private final WebFrontend web;
    private final byte[] page;
    private WebSocketServerHandshaker handshaker;
    private final CommandRate rate = new CommandRate(WebFrontend.COMMANDS_PER_SECOND, System.nanoTime());
    /** This page's chat lines (a part of its commands): used on the commands thread, one command at a time. */
    private final CommandRate lines = new CommandRate(WebFrontend.LINES_PER_SECOND, WebFrontend.LINE_BURST, System.nanoTime());

    WebHandler(WebFrontend web, byte[] page) {
        this.web = web;
        this.page = page;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest req) http(ctx, req);
        else if (msg instanceof WebSocketFrame frame) frame(ctx, frame);
    }

    /** The token given matches this run's (constant time, so its bytes cannot be guessed one by one from timing). */
    static boolean tokenMatches(String expected, String given) {
        if (given == null) return false;
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    /** Only the page itself may open the WebSocket: a browser sends the origin of the page that asks. */
    static boolean originAllowed(String expectedOrigin, String given) {
        return expectedOrigin.equals(given);
    }

    private void http(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "bad request\n");
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        if (!hasSession(req)) {
            // no session yet: only the page's own address with the printed link's token, once, gets one
            List<String> given = uri.parameters().get("token");
            boolean pageWithToken = req.method() == HttpMethod.GET && given != null && given.size() == 1 && isPage(uri.path());
            switch (pageWithToken ? web.useLink(given.get(0)) : WebFrontend.Link.WRONG) {
                case FIRST_USE -> exchange(ctx, req, uri.path());
                case USED -> respond(ctx, req, HttpResponseStatus.FORBIDDEN,
                        "forbidden: this link was already used (it works once, then the browser that opened it keeps a session cookie); "
                                + "open the page in that browser, or restart the node for a new link\n");
                case WRONG -> respond(ctx, req, HttpResponseStatus.FORBIDDEN, "forbidden: open the link the node printed\n");
            }
            return;
        }
        if (req.method() != HttpMethod.GET) {
            respond(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n");
            return;
        }
        switch (uri.path()) {
            case "/", "/index.html" -> {
                if (uri.parameters().containsKey("token")) { // the link opened again in the browser that has the session
                    redirect(ctx, req, uri.path(), null);
                    return;
                }
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(page));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                        // the page loads nothing from anywhere else, and no other site may frame it
                        .set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
                        .set("Referrer-Policy", "no-referrer")
                        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                send(ctx, req, r);
            }
            case "/ws" -> upgrade(ctx, req);
            default -> respond(ctx, req, HttpResponseStatus.NOT_FOUND, "not found\n");
        }
    }

    private static boolean isPage(String path) {
        return path.equals("/") || path.equals("/index.html");
    }

    /** The request carries this run's session cookie (constant-time compare; any of several cookies of that name will do). */
    private boolean hasSession(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) return false;
        for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(header)) {
            if (c.name().equals(web.cookieName()) && tokenMatches(web.session(), c.value())) return true;
        }
        return false;
    }

    /**
     * The link's first use: 303 to the same page without the token, with the session cookie. The token leaves the
     * address bar and the history (the browser records the redirect's target), and is worth nothing from now on; the
     * cookie is HttpOnly (the page's script never sees it), SameSite=Strict (no other site's page sends it), Path=/.
     */
    private void exchange(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        DefaultCookie cookie = new DefaultCookie(web.cookieName(), web.session());
        cookie.setHttpOnly(true);
        cookie.setSameSite(CookieHeaderNames.SameSite.Strict);
        cookie.setPath("/");
        redirect(ctx, req, path, cookie);
    }

    /** 303 to {@code path} on this server (the address without the token), with {@code cookie} when not null. */
    private static void redirect(ChannelHandlerContext ctx, FullHttpRequest req, String path, Cookie cookie) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER, Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.LOCATION, path)
                .set("Referrer-Policy", "no-referrer")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (cookie != null) r.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cookie));
        send(ctx, req, r);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!originAllowed(web.origin(), req.headers().get(HttpHeaderNames.ORIGIN))) {
            respond(ctx, req, HttpResponseStatus.FORBIDDEN, "forbidden: wrong Origin\n");
            return;
        }
        // pages still in their handshake count too, or several upgrades at once could pass the check together
        if (web.clients().size() + web.upgrading().incrementAndGet() > WebFrontend.MAX_CLIENTS) {
            web.upgrading().decrementAndGet();
            respond(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many pages open (at most " + WebFrontend.MAX_CLIENTS + ")\n");
            return;
        }
        WebSocketServerHandshakerFactory f = new WebSocketServerHandshakerFactory("ws://127.0.0.1:" + web.port() + "/ws", null, false, WebFrontend.MAX_FRAME);
        handshaker = f.newHandshaker(req);
        if (handshaker == null) {
            web.upgrading().decrementAndGet();
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        // a message may come in fragments: whole messages up to MAX_FRAME in all, so fragments cannot add up past it.
        // In place before the handshake, so fragments sent right behind the upgrade request cannot pass it by
        // (it lets the HTTP messages before the upgrade through untouched)
        ctx.pipeline().addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(WebFrontend.MAX_FRAME));
        handshaker.handshake(ctx.channel(), req).addListener((ChannelFutureListener) done -> {
            try {
                if (done.isSuccess()) web.replayAndJoin(ctx.channel());
            } finally {
                web.upgrading().decrementAndGet();
            }
        });
    }

    private void frame(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            if (web.stopping()) ctx.close(); // the page answers the close frame we sent: the handshake is done
            else handshaker.close(ctx.channel(), close.retain());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof TextWebSocketFrame text) {
            long arrival = System.nanoTime();
            if (!rate.tryTake(arrival)) {
                web.sendTo(ctx.channel(), web.rateLimited());
                return;
            }
            String command = text.text();
            // the node's send may block briefly (room log, slow peers): off the event loop; the rate limit above bounds the queue
            try {
                web.commands().execute(() -> web.sendTo(ctx.channel(), web.command(command, lines, arrival)));
            } catch (RejectedExecutionException full) {
                // the bounded queue is full (the node is slow) or closing: the page hears it like any rate limit
                web.sendTo(ctx.channel(), web.rateLimited());
            }
        } else {
            web.sendTo(ctx.channel(), web.events().error("malformed", "only text frames with JSON commands"));
        }
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String text) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        send(ctx, req, r);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r) {
        HttpUtil.setContentLength(r, r.content().readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(req) && r.status().code() < 400;
        if (keepAlive) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        var f = ctx.writeAndFlush(r);
        if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a frame too large or a broken request: that connection ends, the node goes on
        web.log("web page connection closed: " + cause.getMessage());
        if (handshaker != null && cause instanceof TooLongFrameException) {
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
