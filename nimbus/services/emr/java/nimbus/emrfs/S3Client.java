package nimbus.emrfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Path-style S3 requests to nimbus, signed with SigV4 as the step's role session (from the environment). */
final class S3Client {
    static final class Response {
        final int status;
        final byte[] body;
        Response(int status, byte[] body) { this.status = status; this.body = body; }
    }

    private final String endpoint, region, accessKey, secretKey, token;

    S3Client(String endpoint, String region, String accessKey, String secretKey, String token) {
        this.endpoint = endpoint.replaceAll("/+$", "");
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.token = token;
    }

    Response send(String method, String bucket, String key, Map<String, String> query, byte[] body,
                  Map<String, String> extraHeaders) throws IOException {
        byte[] payload = body == null ? new byte[0] : body;
        String path = "/" + encode(bucket, false) + (key.isEmpty() ? "" : "/" + encode(key, true));
        TreeMap<String, String> sortedQuery = new TreeMap<>();
        for (Map.Entry<String, String> e : query.entrySet()) {
            sortedQuery.put(encode(e.getKey(), false), encode(e.getValue(), false));
        }
        StringBuilder queryText = new StringBuilder();
        for (Map.Entry<String, String> e : sortedQuery.entrySet()) {
            if (queryText.length() > 0) queryText.append('&');
            queryText.append(e.getKey()).append('=').append(e.getValue());
        }
        URL url = new URL(endpoint + path + (queryText.length() > 0 ? "?" + queryText : ""));
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String amzDate = now.format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        String day = amzDate.substring(0, 8);
        TreeMap<String, String> headers = new TreeMap<>();
        headers.put("host", url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort());
        headers.put("x-amz-date", amzDate);
        headers.put("x-amz-content-sha256", hex(sha256(payload)));
        if (token != null && !token.isEmpty()) headers.put("x-amz-security-token", token);
        for (Map.Entry<String, String> e : extraHeaders.entrySet()) headers.put(e.getKey().toLowerCase(), e.getValue());
        StringBuilder canonicalHeaders = new StringBuilder();
        for (Map.Entry<String, String> e : headers.entrySet()) {
            canonicalHeaders.append(e.getKey()).append(':').append(e.getValue().trim()).append('\n');
        }
        String signedHeaders = String.join(";", headers.keySet());
        String canonical = method + "\n" + path + "\n" + queryText + "\n" + canonicalHeaders + "\n" + signedHeaders
                + "\n" + headers.get("x-amz-content-sha256");
        String scope = day + "/" + region + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] signingKey = hmac(hmac(hmac(hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), day),
                region), "s3"), "aws4_request");
        String signature = hex(hmac(signingKey, toSign));
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestMethod(method);
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (!e.getKey().equals("host")) connection.setRequestProperty(e.getKey(), e.getValue());
        }
        connection.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        if (method.equals("PUT") || method.equals("POST")) {
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(payload.length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(payload);
            }
        }
        int status = connection.getResponseCode();
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        if (in != null) {
            try (InputStream stream = in) {
                stream.transferTo(data);
            }
        }
        return new Response(status, data.toByteArray());
    }

    static String encode(String text, boolean keepSlash) {
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

    private static byte[] sha256(byte[] data) {
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
        for (byte b : data) out.append(String.format("%02x", b & 0xff));
        return out.toString();
    }
}
