package lanchat.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNamesTest {
    @TempDir
    Path dir;

    @Test
    void traversalKeepsOnlyTheLastSegment() {
        assertEquals("passwd", FileNames.sanitize("../../etc/passwd"));
        assertEquals("evil.bat", FileNames.sanitize("..\\..\\Windows\\evil.bat"));
        assertEquals("x", FileNames.sanitize("/abs/x"));
        assertEquals("file", FileNames.sanitize(".."));
        assertEquals("file", FileNames.sanitize("../"));
        assertEquals("file", FileNames.sanitize(""));
        assertEquals("file", FileNames.sanitize(null));
        assertEquals("bashrc", FileNames.sanitize(".bashrc"));
    }

    @Test
    void deviceNamesAreDefused() {
        assertEquals("_CON", FileNames.sanitize("CON"));
        assertEquals("_con.txt", FileNames.sanitize("con.txt"));
        assertEquals("_NUL", FileNames.sanitize("NUL."));
        assertEquals("_COM1.tar.gz", FileNames.sanitize("COM1.tar.gz"));
        assertEquals("_lpt9", FileNames.sanitize("lpt9"));
        assertEquals("CONSOLE.txt", FileNames.sanitize("CONSOLE.txt"));
    }

    @Test
    void controlBidiAndReservedCharactersAreReplaced() {
        assertEquals("a_b_c", FileNames.sanitize("a\u0000b\nc"));
        assertEquals("x_[31mred", FileNames.sanitize("x\u001b[31mred"));
        assertEquals("invoice_fdp.exe", FileNames.sanitize("invoice\u202Efdp.exe"));
        assertEquals("a_b_c_d", FileNames.sanitize("a:b?c*d"));
        assertEquals("trail", FileNames.sanitize("trail. . "));
    }

    @Test
    void longNamesAreCutOnACodePointKeepingTheExtension() {
        String name = "é".repeat(300) + ".txt";
        String s = FileNames.sanitize(name);
        assertTrue(s.getBytes(StandardCharsets.UTF_8).length <= FileNames.MAX_BYTES, s);
        assertTrue(s.endsWith("é.txt"), s);
    }

    @Test
    void neverOverwrites() throws Exception {
        Files.writeString(dir.resolve("report.pdf"), "first");
        Path tmp1 = Files.writeString(dir.resolve("t1"), "second");
        Path tmp2 = Files.writeString(dir.resolve("t2"), "third");
        Path a = FileNames.moveIntoPlace(tmp1, dir, "report.pdf");
        Path b = FileNames.moveIntoPlace(tmp2, dir, "report.pdf");
        assertEquals("report (1).pdf", a.getFileName().toString());
        assertEquals("report (2).pdf", b.getFileName().toString());
        assertEquals("first", Files.readString(dir.resolve("report.pdf")));
        assertEquals("second", Files.readString(a));
        assertEquals("third", Files.readString(b));
        assertFalse(Files.exists(tmp1));
        assertEquals("archive (1).gz", FileNames.candidate("archive.gz", 1));
        assertEquals("README (3)", FileNames.candidate("README", 3));
    }
}
