package nimbus.aws;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.SortedMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** AWS Signature Version 4 for nimbus's Java clients (EMRFS, the Flink connectors and S3 filesystem), which
 * run inside Spark and Flink JVMs where no AWS SDK is available. */
public final class SigV4 {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private SigV4() {}

    /** Adds the date, payload hash and session token headers to {@code headers} (lower-case names, which
     * must include "host") and answers the Authorization header that signs them. */
    public static String sign(String method, String rawPath, String canonicalQuery, SortedMap<String, String> headers,
                              byte[] payload, String service, Credentials credentials) {
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
        String payloadHash = hex(sha256(payload));
        Credentials.Key signing = credentials.current();
        headers.put("x-amz-date", stamp);
        headers.put("x-amz-content-sha256", payloadHash);
        if (signing.sessionToken != null && !signing.sessionToken.isEmpty()) {
            headers.put("x-amz-security-token", signing.sessionToken);
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            canonicalHeaders.append(header.getKey()).append(':').append(header.getValue().trim()).append('\n');
        }
        String signedHeaders = String.join(";", headers.keySet());
        String canonical = method + "\n" + rawPath + "\n" + canonicalQuery + "\n" + canonicalHeaders + "\n"
                + signedHeaders + "\n" + payloadHash;
        String day = stamp.substring(0, 8);
        String scope = day + "/" + credentials.region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n"
                + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(hmac(hmac(hmac(("AWS4" + signing.secretKey).getBytes(StandardCharsets.UTF_8), day),
                credentials.region), service), "aws4_request");
        return "AWS4-HMAC-SHA256 Credential=" + signing.accessKey + "/" + scope + ", SignedHeaders="
                + signedHeaders + ", Signature=" + hex(hmac(key, toSign));
    }

    /** URI-encodes as SigV4 canonical requests do (every byte but unreserved ones, and "/" when kept). */
    public static String encode(String text, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append(String.format("%%%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] data) {
        StringBuilder out = new StringBuilder();
        for (byte b : data) {
            out.append(String.format("%02x", b & 0xff));
        }
        return out.toString();
    }
}
