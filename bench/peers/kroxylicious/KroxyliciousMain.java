// Kroxylicious for the bench: loads a proxy YAML config and runs the proxy until the process is
// stopped. Kroxylicious's own entry point (io.kroxylicious.app.Kroxylicious, in kroxylicious-app)
// is not published to Maven Central, the runtime is; this does what that main does, less its
// command-line parsing, banner and feature switches.
import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.internal.config.Features;
import java.nio.file.Files;
import java.nio.file.Path;

public final class KroxyliciousMain {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KroxyliciousMain CONFIG.yaml");
            System.exit(2);
        }
        try {
            ConfigParser parser = new ConfigParser();
            Configuration config = parser.parseConfiguration(Files.readString(Path.of(args[0])));
            try (KafkaProxy proxy = new KafkaProxy(parser, config, Features.defaultFeatures())) {
                proxy.startup();
                proxy.block();
            }
        }
        catch (Exception e) {
            // The trace for the log, then its cause on the last line, where the bench's error
            // message (the log's tail) shows it.
            e.printStackTrace();
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            System.err.println("KroxyliciousMain: proxy stopped: " + e + (root == e ? "" : "; root cause: " + root));
            System.exit(1);
        }
    }
}
