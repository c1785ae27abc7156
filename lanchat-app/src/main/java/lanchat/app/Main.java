package lanchat.app;

import lanchat.app.cli.LanChatCommand;

/** {@code java -p mods -m lanchat.app [options]} */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(LanChatCommand.run(args, System.in, System.out, System.err));
    }
}
