// Draws packaging/icons/voicestudio.png (256x256): the studio's waveform on its dark tile.
// Run: java packaging/icons/MakeIcon.java packaging/icons/voicestudio.png
import javax.imageio.ImageIO;
import java.awt.*;
import java.awt.geom.*;
import java.awt.image.BufferedImage;
import java.io.File;

public class MakeIcon {
    public static void main(String[] args) throws Exception {
        int s = 256;
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        RoundRectangle2D tile = new RoundRectangle2D.Double(12, 12, s - 24, s - 24, 56, 56);
        g.setPaint(new GradientPaint(0, 12, new Color(0x232a35), 0, s - 12, new Color(0x12161c)));
        g.fill(tile);
        g.setStroke(new BasicStroke(3f));
        g.setColor(new Color(0x2c9c92));
        g.draw(tile);
        // a voiced phrase: bars whose height follows a syllable envelope
        int bars = 23;
        double x0 = 40, w = (s - 80) / (double) bars;
        for (int i = 0; i < bars; i++) {
            double t = i / (double) (bars - 1);
            double env = 0.18 + 0.82 * Math.abs(Math.sin(Math.PI * 2.2 * t)) * (0.55 + 0.45 * Math.sin(Math.PI * t));
            double h = env * 150;
            double cx = x0 + i * w + w / 2;
            g.setPaint(new GradientPaint(0, (float) (s / 2.0 - h / 2), new Color(0x5eead4), 0, (float) (s / 2.0 + h / 2), new Color(0x2c9c92)));
            g.fill(new RoundRectangle2D.Double(cx - w * 0.32, s / 2.0 - h / 2, w * 0.64, h, w * 0.64, w * 0.64));
        }
        // the playhead
        g.setColor(new Color(0xffb547));
        g.fill(new RoundRectangle2D.Double(s * 0.62 - 3, 48, 6, s - 96, 6, 6));
        g.dispose();
        ImageIO.write(img, "png", new File(args[0]));
    }
}
