package nimbus.aws;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;

/** Where and as whom a nimbus Java client signs: an endpoint, a region and a (session) key, by default the
 * AWS_* environment nimbus gives a job (the role session of its EMR instance role or Flink application).
 * A session key taken from the environment is renewed by nimbus before it expires: nimbus rewrites the file
 * NIMBUS_CREDENTIALS_FILE names, and the key is read again from it when it changed, so a job running for
 * longer than a session lasts keeps signing with a valid key. */
public final class Credentials implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final long RECHECK_NANOS = 1_000_000_000L;
    public final String endpoint;
    public final String region;
    private final String accessKey;
    private final String secretKey;
    private final String sessionToken;
    private final String refreshFile;
    private transient Key key;
    private transient long checkedAt;
    private transient long fileModified;

    /** One access key, secret and token, read together so a signature never mixes two sessions. */
    static final class Key {
        final String accessKey;
        final String secretKey;
        final String sessionToken;

        Key(String accessKey, String secretKey, String sessionToken) {
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            this.sessionToken = sessionToken;
        }
    }

    public Credentials(String endpoint, String region, String accessKey, String secretKey, String sessionToken) {
        this.endpoint = endpoint.replaceAll("/+$", "");
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.sessionToken = sessionToken;
        // only the environment's key is nimbus's to renew; a key configured by the application is its own
        this.refreshFile = accessKey != null && accessKey.equals(System.getenv("AWS_ACCESS_KEY_ID"))
                ? System.getenv("NIMBUS_CREDENTIALS_FILE") : null;
    }

    /** The key to sign with now: the renewed one when nimbus rewrote the refresh file. */
    synchronized Key current() {
        if (key == null) {
            key = new Key(accessKey, secretKey, sessionToken);
        }
        long now = System.nanoTime();
        if (refreshFile != null && now - checkedAt >= RECHECK_NANOS) {
            checkedAt = now;
            reload(Paths.get(refreshFile));
        }
        return key;
    }

    private void reload(Path file) {
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            if (modified == fileModified) {
                return;
            }
            Properties values = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                values.load(in);
            }
            String access = values.getProperty("aws_access_key_id");
            String secret = values.getProperty("aws_secret_access_key");
            if (access != null && secret != null) {
                key = new Key(access, secret, values.getProperty("aws_session_token"));
                fileModified = modified;
            }
        } catch (IOException missingOrPartial) {
            // keep the key we have: the file is replaced atomically, so this is a file not written yet
        }
    }

    /** The access key signing now; after an ExpiredToken answer, {@link #awaitRenewal} waits for another. */
    public String accessKeyId() {
        return current().accessKey;
    }

    /** Whether the answer is nimbus refusing an expired session key (S3's XML or a JSON API's error). */
    public static boolean expired(String answer) {
        return answer != null && answer.contains("ExpiredToken");
    }

    /** Waits (up to a minute) for nimbus to renew the session whose access key was {@code rejected};
     * true when the key to sign with is another one now. */
    public boolean awaitRenewal(String rejected) {
        if (refreshFile == null) {
            return false;
        }
        long deadline = System.nanoTime() + 60 * RECHECK_NANOS;
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                checkedAt = 0;
            }
            if (!current().accessKey.equals(rejected)) {
                return true;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The first value that is set: a configured one, else the environment variables in order. */
    public static String setting(String configured, String... variables) {
        if (configured != null && !configured.isEmpty()) {
            return configured;
        }
        for (String variable : variables) {
            String value = System.getenv(variable);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }
}
