package nimbus.aws;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Path-style S3 requests to nimbus, signed with SigV4 (by EMRFS and Flink's S3 filesystem). */
public final class S3Client {
    /** An answer: its HTTP status and body. */
    public static final class Response {
        public final int status;
        public final byte[] body;
        Response(int status, byte[] body) { this.status = status; this.body = body; }
    }

    /** One entry of a listing: an object (with its size and time), or a common prefix ("directory"). */
    public static final class Listed {
        public final String key;
        public final long size;
        public final long modified;
        public final boolean commonPrefix;
        Listed(String key, long size, long modified, boolean commonPrefix) {
            this.key = key; this.size = size; this.modified = modified; this.commonPrefix = commonPrefix;
        }
    }

    private final Credentials credentials;

    public S3Client(Credentials credentials) {
        this.credentials = credentials;
    }

    /** One request, sent again once when nimbus answers that the session expired and renews it. */
    public Response send(String method, String bucket, String key, Map<String, String> query, byte[] body,
                         Map<String, String> extraHeaders) throws IOException {
        String signingKey = credentials.accessKeyId();
        Response response = attempt(method, bucket, key, query, body, extraHeaders);
        if (response.status >= 400 && Credentials.expired(new String(response.body, StandardCharsets.UTF_8))
                && credentials.awaitRenewal(signingKey)) {
            response = attempt(method, bucket, key, query, body, extraHeaders);
        }
        return response;
    }

    private Response attempt(String method, String bucket, String key, Map<String, String> query, byte[] body,
                             Map<String, String> extraHeaders) throws IOException {
        byte[] payload = body == null ? new byte[0] : body;
        String path = "/" + SigV4.encode(bucket, false) + (key.isEmpty() ? "" : "/" + SigV4.encode(key, true));
        TreeMap<String, String> sortedQuery = new TreeMap<>();
        for (Map.Entry<String, String> e : query.entrySet()) {
            sortedQuery.put(SigV4.encode(e.getKey(), false), SigV4.encode(e.getValue(), false));
        }
        StringBuilder queryText = new StringBuilder();
        for (Map.Entry<String, String> e : sortedQuery.entrySet()) {
            if (queryText.length() > 0) queryText.append('&');
            queryText.append(e.getKey()).append('=').append(e.getValue());
        }
        URL url = new URL(credentials.endpoint + path + (queryText.length() > 0 ? "?" + queryText : ""));
        TreeMap<String, String> headers = new TreeMap<>();
        headers.put("host", url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort());
        for (Map.Entry<String, String> e : extraHeaders.entrySet()) headers.put(e.getKey().toLowerCase(), e.getValue());
        String authorization = SigV4.sign(method, path, queryText.toString(), headers, payload, "s3", credentials);
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestMethod(method);
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (!e.getKey().equals("host")) connection.setRequestProperty(e.getKey(), e.getValue());
        }
        connection.setRequestProperty("Authorization", authorization);
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

    /** A request whose error answers (but 404, which callers read) are IOExceptions naming the object. */
    public Response call(String method, String bucket, String key, Map<String, String> query, byte[] body,
                         Map<String, String> headers) throws IOException {
        Response response = send(method, bucket, key, query, body, headers);
        if (response.status >= 400 && response.status != 404) {
            throw new IOException(method + " s3://" + bucket + "/" + key + ": HTTP " + response.status + " "
                    + new String(response.body, java.nio.charset.StandardCharsets.UTF_8));
        }
        return response;
    }

    public Response call(String method, String bucket, String key) throws IOException {
        return call(method, bucket, key, Collections.emptyMap(), null, Collections.emptyMap());
    }

    /** CopyObject within a bucket. */
    public void copy(String bucket, String from, String to) throws IOException {
        call("PUT", bucket, to, Collections.emptyMap(), new byte[0],
                Map.of("x-amz-copy-source", "/" + bucket + "/" + SigV4.encode(from, true)));
    }

    /** ListObjectsV2 pages under a prefix, every object (no delimiter) or one level (with "/"), until at
     * least {@code limit} entries are found (0: all). A missing bucket is a FileNotFoundException. */
    public List<Listed> list(String bucket, String prefix, boolean oneLevel, int limit) throws IOException {
        List<Listed> found = new ArrayList<>();
        String token = null;
        do {
            Map<String, String> query = new HashMap<>();
            query.put("list-type", "2");
            query.put("prefix", prefix);
            if (oneLevel) query.put("delimiter", "/");
            if (token != null) query.put("continuation-token", token);
            Response response = call("GET", bucket, "", query, null, Collections.emptyMap());
            if (response.status == 404) throw new java.io.FileNotFoundException("No such bucket: " + bucket);
            Document document;
            try {
                document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                        .parse(new ByteArrayInputStream(response.body));
            } catch (Exception e) {
                throw new IOException("Unreadable listing of s3://" + bucket + "/" + prefix, e);
            }
            NodeList contents = document.getElementsByTagName("Contents");
            for (int i = 0; i < contents.getLength(); i++) {
                Element entry = (Element) contents.item(i);
                found.add(new Listed(text(entry, "Key"), Long.parseLong(text(entry, "Size")),
                        java.time.Instant.parse(text(entry, "LastModified")).toEpochMilli(), false));
            }
            NodeList prefixes = document.getElementsByTagName("CommonPrefixes");
            for (int i = 0; i < prefixes.getLength(); i++) {
                found.add(new Listed(text((Element) prefixes.item(i), "Prefix"), 0, 0, true));
            }
            token = "true".equals(text(document.getDocumentElement(), "IsTruncated"))
                    ? text(document.getDocumentElement(), "NextContinuationToken") : null;
        } while (token != null && (limit <= 0 || found.size() < limit));
        return found;
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent();
    }
}
