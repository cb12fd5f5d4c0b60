package nimbus.aws;

import java.io.Serializable;

/** Where and as whom a nimbus Java client signs: an endpoint, a region and a (session) key, by default the
 * AWS_* environment nimbus gives a job (the role session of its EMR instance role or Flink application). */
public final class Credentials implements Serializable {
    private static final long serialVersionUID = 1L;
    public final String endpoint;
    public final String region;
    final String accessKey;
    final String secretKey;
    final String sessionToken;

    public Credentials(String endpoint, String region, String accessKey, String secretKey, String sessionToken) {
        this.endpoint = endpoint.replaceAll("/+$", "");
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.sessionToken = sessionToken;
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
