package lanchat.bench;

/** The suite's progress lines on stdout, flushed at once (bench.sh's caller watches them). */
final class Progress {
    private Progress() {}

    static void say(String s) {
        System.out.println("bench: " + s);
        System.out.flush();
    }
}
