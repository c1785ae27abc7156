package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * {@code --ui web} (issue 18) in a real browser: Debian's headless Chromium driven by its chromedriver (Selenium),
 * two real processes on 127.0.0.1. A line typed into the page arrives at a terminal node, the terminal's reply
 * appears in the page. The page was opened with the printed secret link, which the node exchanged for a session
 * cookie (the token leaves the address bar; the link opened again in another browser is refused; a reload keeps the
 * page); the same page without the token is refused. When the web node stops, the page says "LAN Chat stopped".
 * The terminal node, started with a class-load log, loads none of the web front end's classes nor Netty's HTTP codec.
 * A screenshot of the page is kept at {@code it-tests/target/screenshots/web-ui.png} (a CI artifact).
 */
@Timeout(120)
class WebUiBrowserIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Pattern LINK = Pattern.compile("Web page: (http://127\\.0\\.0\\.1:\\d+/\\?token=[A-Za-z0-9_-]+)");
    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();
    private WebDriver browser;

    @BeforeAll
    static void setUp() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-web-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void stopAll() {
        if (browser != null) browser.quit();
        for (AppNode n : nodes) n.kill();
    }

    /** A program on PATH (Debian: chromium, chromedriver); missing fails the test: scripts/test-all.sh installs them. */
    static File onPath(String program) {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            File f = new File(dir, program);
            if (f.canExecute()) return f;
        }
        throw new AssertionError(program + " is not installed (Debian packages chromium and chromium-driver; scripts/test-all.sh installs them)");
    }

    static WebDriver headlessChromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(onPath("chromium"));
        // no sandbox: CI runs as root in a container; the page is our own, served from loopback
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,700", "--no-first-run");
        // the driver is given explicitly, so Selenium Manager (which would go to the internet) is never asked
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(onPath("chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    WebElement awaitMessage(String text) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (WebElement li : browser.findElements(By.cssSelector("#messages li"))) {
                if (li.getText().contains(text)) return li;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the page never showed '" + text + "'; it shows: " + browser.findElement(By.id("messages")).getText());
    }

    @Test
    void aLineTypedInThePageReachesTheOtherNodeAndTheReplyAppearsInThePage() throws Exception {
        Path classLog = Files.createTempFile("lanchat-it-terminal-classes-", ".log");
        AppNode terminal = AppNode.launch("terminal", mods, AppNode.logClassLoading(classLog), "netty", "--nick", "tess");
        nodes.add(terminal);
        terminal.awaitStarted();
        AppNode web = AppNode.launch("web", mods, "netty", "--ui", "web", "--no-open", "--nick", "webby", "--peer", terminal.address);
        nodes.add(web);
        Matcher link = LINK.matcher(web.awaitLine(0, l -> LINK.matcher(l).matches(), AppNode.START, "the page's link"));
        assertTrue(link.matches());
        String url = link.group(1);
        web.awaitLine(0, l -> l.startsWith("✓ connected to " + terminal.peerId), WAIT, "the web node connected to the terminal node");

        browser = headlessChromium();
        browser.get(url.replaceAll("\\?token=.*", "?token=wrong"));
        assertTrue(browser.getPageSource().contains("forbidden"), "a page without the right token is refused: " + browser.getPageSource());

        browser.get(url);
        awaitMessage("✓ connected to " + terminal.peerId);
        String origin = url.substring(0, url.indexOf("/?token="));
        assertEquals(origin + "/", browser.getCurrentUrl(), "the token was exchanged for a session cookie and left the address bar");
        Cookie session = browser.manage().getCookieNamed("lanchat_session_" + origin.substring(origin.lastIndexOf(':') + 1));
        assertTrue(session != null && session.isHttpOnly() && "Strict".equals(session.getSameSite()) && !url.contains(session.getValue()),
                "an HttpOnly, SameSite=Strict session cookie that is not the token: " + session);
        // the link works once: another browser (no cookie) that opens it is refused…
        WebDriver other = headlessChromium();
        try {
            other.get(url);
            assertTrue(other.getPageSource().contains("already used"), "a used link is refused: " + other.getPageSource());
        } finally {
            other.quit();
        }
        // …while the browser that used it keeps the page through its cookie, also after a reload
        browser.navigate().refresh();
        awaitMessage("✓ connected to " + terminal.peerId);
        WebElement box = browser.findElement(By.id("text"));
        box.sendKeys("hello from the browser\n");
        terminal.awaitLine(0, l -> l.endsWith("webby: hello from the browser"), WAIT, "the page's line at the terminal node");

        terminal.type("reply from the terminal");
        WebElement reply = awaitMessage("reply from the terminal");
        assertTrue(reply.getText().contains("tess"), reply.getText());

        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), shots.resolve("web-ui.png"), StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(shots.resolve("web-ui.png")) > 1000, "a screenshot of the page");

        terminal.quit();
        terminal.assertExitedCleanly();
        // the node stops: the page says so (its close frame) instead of retrying without a word
        web.terminate();
        web.assertExitedCleanly();
        WebElement stopped = awaitMessage("LAN Chat stopped");
        assertTrue(browser.findElement(By.id("stopped")).isDisplayed(), "the banner is shown");
        assertTrue(!browser.findElement(By.id("text")).isEnabled(), "the input box is disabled: " + stopped.getText());
        String classes = Files.readString(classLog);
        assertTrue(classes.contains(" lanchat.app.Main "), "not a class-load log of the app");
        List<String> webClasses = classes.lines().filter(l -> l.contains(" lanchat.ui.web.WebFrontend ") || l.contains(" lanchat.ui.web.WebHandler ") || l.contains(" io.netty.handler.codec.http.")
                || l.contains(" lanchat.ui.json.protocol.")).toList();
        assertEquals(List.of(), webClasses,
                "a start-up without --ui web must not load the web front end (only its provider, for its name), Netty's HTTP codec or the JSON protocol's classes");
        Files.deleteIfExists(classLog);
    }
}
