package lanchat.api.testkit;

import java.util.ArrayList;
import java.util.List;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.ui.ChatControl;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.PeerView;
import lanchat.api.ui.SendResult;

/**
 * A node for front-end tests: records what the front end asked of it ({@code "send TEXT"}, {@code "nick NAME"},
 * {@code "quit"}), answers with one peer and a healthy doctor report. The process and browser ITs drive the real node.
 */
public final class RecordingControl implements ChatControl {
    private final List<String> calls = new ArrayList<>();
    private volatile int peers = 1;

    /** How many peers a send reaches and a ping goes to; 0 makes a send fail with no peers. */
    public void peers(int n) {
        peers = n;
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public synchronized SendResult send(String text) {
        calls.add("send " + text);
        return new SendResult(peers, false);
    }

    @Override
    public List<PeerView> peers() {
        return List.of(new PeerView(Identity.generate().peerId(), null, "/ip4/10.0.0.2/tcp/4001", "libp2p", "outbound", "member"));
    }

    @Override
    public String nick() {
        return null;
    }

    @Override
    public synchronized void setNick(String nick) {
        calls.add("nick " + ChatMessage.checkNick(nick)); // refuses a bad nick as the node does
    }

    @Override
    public int ping() {
        return peers;
    }

    @Override
    public DoctorReport doctor() {
        return new DoctorReport(List.of(new DoctorReport.Interface("eth0", List.of("10.0.0.1/24", "fe80::1/64"), true, false, true, true, List.of("room"), true, null)),
                new DoctorReport.TcpCheck(4001, "127.0.0.1", true, null), true, "discovery looks healthy", List.of("room"));
    }

    @Override
    public synchronized void quit() {
        calls.add("quit");
    }
}
