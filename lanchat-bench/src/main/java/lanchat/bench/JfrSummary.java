package lanchat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/** CPU samples of a JFR recording, summed by top frame (self time) and by area of the code. */
final class JfrSummary {
    private JfrSummary() {}

    static List<String> summarize(String title, Path jfr, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> areas = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) continue;
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) continue;
            total++;
            RecordedFrame f = st.getFrames().get(0);
            String cls = f.getMethod().getType().getName();
            self.merge(shortName(cls) + "." + f.getMethod().getName(), 1, Integer::sum);
            areas.merge(area(st), 1, Integer::sum);
            var t = e.getThread("sampledThread");
            threads.merge(t == null ? "?" : t.getJavaName().replaceAll("-\\d+(-\\d+)?$", "-N"), 1, Integer::sum);
        }
        final int all = total;
        List<String> out = new ArrayList<>();
        out.add("**" + title + "**: " + total + " CPU samples.");
        out.add("");
        out.add("By area (first frame of the stack that falls in one, from the top): " + shares(areas, total, 10) + ".");
        out.add("");
        out.add("By thread: " + shares(threads, total, 6) + ".");
        out.add("");
        out.add("| self time (top frame) | share |");
        out.add("|---|---:|");
        self.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top)
                .forEach(en -> out.add("| `" + en.getKey() + "` | " + pct(en.getValue(), all) + " |"));
        return out;
    }

    private static String shares(Map<String, Integer> m, int total, int limit) {
        return String.join(", ", m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(limit)
                .map(e -> e.getKey() + " " + pct(e.getValue(), total)).toList());
    }

    private static String pct(int n, int total) {
        return total == 0 ? "0%" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * n / total);
    }

    /** The first frame (from the top) that says what the work is for. */
    private static String area(RecordedStackTrace st) {
        for (RecordedFrame f : st.getFrames()) {
            String c = f.getMethod().getType().getName();
            String m = f.getMethod().getName();
            if (c.startsWith("com.sun.crypto.provider.ChaCha20") || c.startsWith("com.sun.crypto.provider.Poly1305") || c.startsWith("javax.crypto")) return "ChaCha20-Poly1305 (JDK)";
            if (c.startsWith("sun.nio.ch") || c.startsWith("java.nio.channels") || c.contains("SocketDispatcher")) return "socket I/O (NIO)";
            if (c.equals("java.lang.String") && (m.contains("lines") || m.contains("isBlank") || m.contains("substring"))) return "String.lines/isBlank/substring";
            if (c.startsWith("java.lang.StringLatin1") || c.startsWith("java.lang.StringUTF16") || c.startsWith("java.lang.StringCoding")
                    || c.startsWith("sun.nio.cs") || c.startsWith("java.lang.StringConcatHelper") || (c.equals("java.lang.String") && !m.equals("equals"))
                    || c.equals("io.netty.buffer.ByteBufUtil") || m.contains("CharSequence")) return "UTF-8 / String work";
            if (c.startsWith("java.util.concurrent") || c.startsWith("jdk.internal.misc.Unsafe") && m.startsWith("park")) return "thread hand-off (j.u.c.)";
            if (c.startsWith("lanchat.transport.libp2p.yamux")) return "yamux";
            if (c.startsWith("lanchat.transport.libp2p.chat") || c.startsWith("io.netty.handler.codec.LineBasedFrameDecoder")) return "chat line codec";
            if (c.startsWith("lanchat.security.noise")) return "noise codec";
            if (c.startsWith("io.netty.buffer") || c.startsWith("io.netty.util.Recycler") || c.startsWith("io.netty.util.internal.PlatformDependent")) return "netty buffers (alloc/copy)";
            if (c.startsWith("io.netty")) return "netty pipeline/event loop";
            if (c.startsWith("lanchat.bench")) return "bench harness";
            if (c.startsWith("lanchat")) return "lanchat other";
        }
        String c = st.getFrames().get(0).getMethod().getType().getName();
        if (c.startsWith("java.util.Arrays") || c.startsWith("jdk.internal") || c.startsWith("java.lang.System")) return "JDK copy/fill (other)";
        return "other JDK/JVM";
    }

    private static String shortName(String cls) {
        return cls.replace("com.sun.crypto.provider.", "").replace("io.netty.", "n.").replace("lanchat.transport.libp2p.", "l.");
    }
}
