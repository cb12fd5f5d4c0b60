package nimbus.flink;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;

import nimbus.aws.Credentials;
import nimbus.aws.SigV4;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/** Calls to nimbus's Kinesis API over HTTP, signed with SigV4 (the credentials are the job's role session,
 * resolved when the table is planned, so a job submitted to a remote cluster carries them). */
final class AwsClient implements Serializable {
    private static final long serialVersionUID = 2L;
    static final ObjectMapper JSON = new ObjectMapper();

    private final Credentials credentials;
    private transient HttpClient http;

    private AwsClient(Credentials credentials) {
        this.credentials = credentials;
    }

    /** The client a table's options (or, where they are silent, the AWS_* environment) describe. */
    static AwsClient fromOptions(Map<String, String> options, String service) {
        String endpoint = Credentials.setting(options.get("aws.endpoint"), "AWS_ENDPOINT_URL_" + service.toUpperCase(),
                "AWS_ENDPOINT_URL");
        String region = Credentials.setting(options.get("aws.region"), "AWS_REGION", "AWS_DEFAULT_REGION");
        String key = Credentials.setting(options.get("aws.credentials.basic.accesskeyid"), "AWS_ACCESS_KEY_ID");
        String secret = Credentials.setting(options.get("aws.credentials.basic.secretkey"), "AWS_SECRET_ACCESS_KEY");
        String token = Credentials.setting(options.get("aws.credentials.basic.sessiontoken"), "AWS_SESSION_TOKEN");
        if (endpoint == null || region == null || key == null || secret == null) {
            throw new IllegalArgumentException("nimbus connectors need 'aws.endpoint' (or AWS_ENDPOINT_URL), "
                    + "'aws.region' (or AWS_REGION) and credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
        }
        return new AwsClient(new Credentials(endpoint, region, key, secret, token));
    }

    static String first(String... values) {
        for (String value : values) {
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    /** One Kinesis JSON API call; an AWS error is an IOException naming its code. A call refused because the
     * role session expired is sent again once nimbus renewed it. */
    JsonNode kinesis(String action, ObjectNode body) throws IOException {
        String signingKey = credentials.accessKeyId();
        try {
            return attempt(action, body);
        } catch (AwsException e) {
            if (Credentials.expired(e.code) && credentials.awaitRenewal(signingKey)) {
                return attempt(action, body);
            }
            throw e;
        }
    }

    private JsonNode attempt(String action, ObjectNode body) throws IOException {
        byte[] payload = JSON.writeValueAsBytes(body);
        URI uri = URI.create(credentials.endpoint + "/");
        TreeMap<String, String> headers = new TreeMap<>();
        headers.put("content-type", "application/x-amz-json-1.1");
        headers.put("x-amz-target", "Kinesis_20131202." + action);
        headers.put("host", uri.getAuthority());
        String authorization = SigV4.sign("POST", "/", "", headers, payload, "kinesis", credentials);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(payload));
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (!header.getKey().equals("host")) {
                request.header(header.getKey(), header.getValue());
            }
        }
        request.header("authorization", authorization);
        HttpResponse<byte[]> response;
        try {
            response = client().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode answer = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() >= 300) {
            throw new AwsException(answer.path("__type").asText("HTTP " + response.statusCode()),
                    answer.path("message").asText(""));
        }
        return answer;
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        }
        return http;
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
