package lanchat.app.node;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import lanchat.api.ui.ChatControl;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.PeerView;
import lanchat.app.doctor.Doctor;

/** The node as front-end plugins see it ({@link ChatControl}). */
public final class NodeControl implements ChatControl {
    private final ChatNode node;
    private final java.util.function.Supplier<Doctor> doctor;
    private final InetAddress host;
    private final int port;
    private final Runnable leave;

    /** {@code doctor}: made on first use (start-up does not look for probes); {@code host}/{@code port}: where the node listens. */
    public NodeControl(ChatNode node, java.util.function.Supplier<Doctor> doctor, InetAddress host, int port, Runnable leave) {
        this.node = node;
        this.doctor = doctor;
        this.host = host;
        this.port = port;
        this.leave = leave;
    }

    @Override
    public lanchat.api.ui.SendResult send(String text) {
        ChatNode.Sent sent = node.send(text);
        return new lanchat.api.ui.SendResult(sent.sessions(), sent.kept());
    }

    @Override
    public List<PeerView> peers() {
        return Arrays.stream(node.peers())
                .map(p -> new PeerView(p.peer(), p.nick(), String.valueOf(p.address()), p.transport(), p.direction(), p.room().id())).toList();
    }

    @Override
    public String nick() {
        return node.nick();
    }

    @Override
    public void setNick(String nick) {
        node.setNick(lanchat.api.ChatMessage.checkNick(nick));
    }

    @Override
    public int ping() {
        return node.ping();
    }

    @Override
    public DoctorReport doctor() {
        return doctor.get().examine(host, port, Doctor.LISTEN, node::recentlyHeard);
    }

    @Override
    public void quit() {
        leave.run();
    }
}
