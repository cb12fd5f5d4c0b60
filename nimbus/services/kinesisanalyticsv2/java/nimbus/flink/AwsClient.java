package nimbus.flink;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/** Calls to nimbus's AWS APIs over HTTP, signed with SigV4 (the credentials are the job's role session,
 * resolved when the table is planned, so a job submitted to a remote cluster carries them). */
final class AwsClient implements Serializable {
    private static final long serialVersionUID = 1L;
    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    final String endpoint;
    final String region;
    private final String accessKey;
    private final String secretKey;
    private final String sessionToken;
    private transient HttpClient http;

    AwsClient(String endpoint, String region, String accessKey, String secretKey, String sessionToken) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.sessionToken = sessionToken;
    }

    /** The client a table's options (or, where they are silent, the AWS_* environment) describe. */
    static AwsClient fromOptions(Map<String, String> options, String service) {
        String endpoint = first(options.get("aws.endpoint"), System.getenv("AWS_ENDPOINT_URL_" + service.toUpperCase()),
                System.getenv("AWS_ENDPOINT_URL"));
        String region = first(options.get("aws.region"), System.getenv("AWS_REGION"), System.getenv("AWS_DEFAULT_REGION"));
        String key = first(options.get("aws.credentials.basic.accesskeyid"), System.getenv("AWS_ACCESS_KEY_ID"));
        String secret = first(options.get("aws.credentials.basic.secretkey"), System.getenv("AWS_SECRET_ACCESS_KEY"));
        String token = first(options.get("aws.credentials.basic.sessiontoken"), System.getenv("AWS_SESSION_TOKEN"));
        if (endpoint == null || region == null || key == null || secret == null) {
            throw new IllegalArgumentException("nimbus connectors need 'aws.endpoint' (or AWS_ENDPOINT_URL), "
                    + "'aws.region' (or AWS_REGION) and credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
        }
        return new AwsClient(endpoint, region, key, secret, token);
    }

    static String first(String... values) {
        for (String value : values) {
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    /** One Kinesis JSON API call; an AWS error is an IOException naming its code. */
    JsonNode kinesis(String action, ObjectNode body) throws IOException {
        byte[] payload = JSON.writeValueAsBytes(body);
        Map<String, String> headers = new TreeMap<>();
        headers.put("content-type", "application/x-amz-json-1.1");
        headers.put("x-amz-target", "Kinesis_20131202." + action);
        HttpResponse<byte[]> response = send("POST", "kinesis", "/", headers, payload);
        JsonNode answer = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() >= 300) {
            throw new AwsException(answer.path("__type").asText("HTTP " + response.statusCode()),
                    answer.path("message").asText(""));
        }
        return answer;
    }

    /** An S3 PutObject of {@code body} at {@code key}. */
    void putObject(String bucket, String key, byte[] body) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        headers.put("content-type", "application/octet-stream");
        HttpResponse<byte[]> response = send("PUT", "s3", "/" + bucket + "/" + encodePath(key), headers, body);
        if (response.statusCode() >= 300) {
            throw new AwsException("HTTP " + response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    private HttpResponse<byte[]> send(String method, String service, String path, Map<String, String> headers,
                                      byte[] body) throws IOException {
        URI uri = URI.create(endpoint + path);
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
        String payloadHash = hex(sha256(body));
        headers.put("host", uri.getAuthority());
        headers.put("x-amz-date", stamp);
        headers.put("x-amz-content-sha256", payloadHash);
        if (sessionToken != null) {
            headers.put("x-amz-security-token", sessionToken);
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            canonicalHeaders.append(header.getKey()).append(':').append(header.getValue().trim()).append('\n');
        }
        String signedHeaders = String.join(";", headers.keySet());
        String canonical = method + "\n" + uri.getRawPath() + "\n\n" + canonicalHeaders + "\n" + signedHeaders + "\n" + payloadHash;
        String scope = stamp.substring(0, 8) + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] signingKey = hmac(hmac(hmac(hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8),
                stamp.substring(0, 8)), region), service), "aws4_request");
        String authorization = "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope + ", SignedHeaders="
                + signedHeaders + ", Signature=" + hex(hmac(signingKey, toSign));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (!header.getKey().equals("host")) {
                request.header(header.getKey(), header.getValue());
            }
        }
        request.header("authorization", authorization);
        try {
            return client().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        }
        return http;
    }

    private static String encodePath(String key) {
        StringBuilder out = new StringBuilder();
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.~/".indexOf(c) >= 0) {
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
        for (byte b : data) {
            out.append(String.format("%02x", b & 0xff));
        }
        return out.toString();
    }

    /** An error answer of an AWS API. */
    static final class AwsException extends IOException {
        private static final long serialVersionUID = 1L;
        final String code;

        AwsException(String code, String message) {
            super(code + ": " + message);
            this.code = code;
        }
    }
}
