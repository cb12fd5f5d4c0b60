package nimbus.flink.s3;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import nimbus.aws.Credentials;
import nimbus.aws.S3Client;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;

/**
 * Flink's {@code s3://} filesystem for nimbus S3 (loaded as a plugin: Flink's own S3 filesystems are on
 * Maven Central, which nimbus does not install from). It signs as Flink's {@code s3.endpoint},
 * {@code s3.access-key}, {@code s3.secret-key} (and {@code s3.session-token}, {@code s3.region}) settings,
 * or, where they are silent, the AWS_* environment nimbus gives a run: its service execution role's session.
 * Files being written are staged in {@code NIMBUS_S3_STAGING_DIR} (a directory that outlives a run, so a
 * restore finds what its checkpoint recorded).
 */
public class S3FileSystemFactory implements FileSystemFactory {
    private Map<String, String> settings = Map.of();

    @Override
    public String getScheme() {
        return "s3";
    }

    @Override
    public void configure(Configuration configuration) {
        settings = configuration.toMap();
    }

    @Override
    public FileSystem create(URI uri) throws IOException {
        String endpoint = Credentials.setting(settings.get("s3.endpoint"), "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
        String region = Credentials.setting(settings.get("s3.region"), "AWS_REGION", "AWS_DEFAULT_REGION");
        String key = Credentials.setting(settings.get("s3.access-key"), "AWS_ACCESS_KEY_ID");
        String secret = Credentials.setting(settings.get("s3.secret-key"), "AWS_SECRET_ACCESS_KEY");
        String token = Credentials.setting(settings.get("s3.session-token"), "AWS_SESSION_TOKEN");
        if (endpoint == null || region == null || key == null || secret == null) {
            throw new IOException("nimbus's S3 filesystem needs 's3.endpoint' (or AWS_ENDPOINT_URL), a region "
                    + "(AWS_REGION) and credentials ('s3.access-key' and 's3.secret-key', or AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY)");
        }
        if (uri.getAuthority() == null || uri.getAuthority().isEmpty()) {
            throw new IOException("An S3 path names its bucket: " + getScheme() + "://<bucket>/<key>, not " + uri);
        }
        String staging = Credentials.setting(settings.get("nimbus.s3.staging-dir"), "NIMBUS_S3_STAGING_DIR");
        Path stagingDir = staging != null ? Paths.get(staging)
                : Paths.get(System.getProperty("java.io.tmpdir"), "nimbus-s3-staging");
        return new S3FileSystem(URI.create(getScheme() + "://" + uri.getAuthority() + "/"),
                new S3Client(new Credentials(endpoint, region, key, secret, token)), stagingDir);
    }
}
