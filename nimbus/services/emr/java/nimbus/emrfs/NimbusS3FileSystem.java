package nimbus.emrfs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import nimbus.aws.Credentials;
import nimbus.aws.S3Client;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PositionedReadable;
import org.apache.hadoop.fs.Seekable;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * EMRFS for nimbus: s3://, s3a:// and s3n:// paths read and written in nimbus S3, as the step's role session
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION).
 * Directories are key prefixes, with an empty "dir/" marker object for an empty one, as EMRFS and S3A do.
 */
public class NimbusS3FileSystem extends FileSystem {
    private URI uri;
    private String bucket;
    private S3Client s3;
    private Path workingDirectory;

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        setConf(conf);
        uri = URI.create(name.getScheme() + "://" + name.getAuthority());
        bucket = name.getAuthority();
        workingDirectory = new Path(uri.toString() + "/");
        s3 = new S3Client(new Credentials(setting(conf, "endpoint", "AWS_ENDPOINT_URL"),
                setting(conf, "region", "AWS_DEFAULT_REGION"), setting(conf, "access.key", "AWS_ACCESS_KEY_ID"),
                setting(conf, "secret.key", "AWS_SECRET_ACCESS_KEY"), setting(conf, "session.token", "AWS_SESSION_TOKEN")));
    }

    private static String setting(Configuration conf, String name, String variable) {
        String value = Credentials.setting(conf.get("fs.nimbus." + name), variable);
        return value != null ? value : "";
    }

    @Override
    public String getScheme() { return uri == null ? "s3" : uri.getScheme(); }

    @Override
    public URI getUri() { return uri; }

    @Override
    public Path getWorkingDirectory() { return workingDirectory; }

    @Override
    public void setWorkingDirectory(Path path) { workingDirectory = path; }

    private String key(Path path) {
        Path absolute = path.isAbsolute() ? path : new Path(workingDirectory, path);
        String key = absolute.toUri().getPath();
        return key.startsWith("/") ? key.substring(1) : key;
    }

    private Path pathOf(String key) { return new Path(uri.toString() + "/" + key); }

    private S3Client.Response call(String method, String key, Map<String, String> query, byte[] body,
                                   Map<String, String> headers) throws IOException {
        return s3.call(method, bucket, key, query, body, headers);
    }

    private S3Client.Response call(String method, String key) throws IOException {
        return s3.call(method, bucket, key);
    }

    /** Every object under a prefix (no delimiter), or one level of it (with "/"). */
    private List<FileStatus> list(String prefix, boolean oneLevel, int limit) throws IOException {
        List<FileStatus> found = new ArrayList<>();
        for (S3Client.Listed entry : s3.list(bucket, prefix, oneLevel, limit)) {
            if (entry.key.equals(prefix)) continue;  // the directory's own marker
            boolean dir = entry.key.endsWith("/");
            Path path = pathOf(dir ? entry.key.substring(0, entry.key.length() - 1) : entry.key);
            if (entry.commonPrefix && found.stream().anyMatch(s -> s.getPath().equals(path))) continue;
            found.add(new FileStatus(dir ? 0 : entry.size, dir, 1, dir ? 0 : 64 << 20, entry.modified, path));
        }
        return found;
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        String key = key(path);
        Path qualified = key.isEmpty() ? new Path(uri.toString() + "/") : pathOf(key);
        if (key.isEmpty()) return new FileStatus(0, true, 1, 0, 0, qualified);
        S3Client.Response head = call("HEAD", key);
        if (head.status == 200) {
            return new FileStatus(length(key), false, 1, 64 << 20, 0, qualified);
        }
        if (call("HEAD", key + "/").status == 200 || !list(key + "/", true, 1).isEmpty()) {
            return new FileStatus(0, true, 1, 0, 0, qualified);
        }
        throw new FileNotFoundException("No such file or directory: " + path);
    }

    private long length(String key) throws IOException {
        List<FileStatus> listed = list(key, false, 1);
        for (FileStatus status : listed) {
            if (key(status.getPath()).equals(key)) return status.getLen();
        }
        return fetch(key).length;
    }

    private byte[] fetch(String key) throws IOException {
        S3Client.Response response = call("GET", key);
        if (response.status == 404) throw new FileNotFoundException("No such file: s3://" + bucket + "/" + key);
        return response.body;
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        FileStatus status = getFileStatus(path);
        if (!status.isDirectory()) return new FileStatus[] {status};
        String key = key(path);
        return list(key.isEmpty() ? "" : key + "/", true, 0).toArray(new FileStatus[0]);
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        return new FSDataInputStream(new SeekableBytes(fetch(key(path))));
    }

    @Override
    public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        String key = key(path);
        if (!overwrite && exists(path)) throw new org.apache.hadoop.fs.FileAlreadyExistsException(path.toString());
        ByteArrayOutputStream buffer = new ByteArrayOutputStream() {
            private boolean closed;

            @Override
            public void close() throws IOException {
                if (closed) return;
                closed = true;
                call("PUT", key, Collections.emptyMap(), toByteArray(), Collections.emptyMap());
            }
        };
        return new FSDataOutputStream(buffer, statistics);
    }

    @Override
    public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
        throw new IOException("Append is not supported by S3");
    }

    @Override
    public boolean rename(Path source, Path target) throws IOException {
        FileStatus status;
        try {
            status = getFileStatus(source);
        } catch (FileNotFoundException e) {
            return false;
        }
        String from = key(source);
        String to = key(target);
        if (exists(target) && getFileStatus(target).isDirectory()) to = to + "/" + source.getName();
        if (!status.isDirectory()) {
            copy(from, to);
            call("DELETE", from);
            return true;
        }
        for (FileStatus entry : list(from + "/", false, 0)) {
            String key = key(entry.getPath()) + (entry.isDirectory() ? "/" : "");
            copy(key, to + "/" + key.substring(from.length() + 1));
            call("DELETE", key);
        }
        if (call("HEAD", from + "/").status == 200) {
            call("PUT", to + "/", Collections.emptyMap(), new byte[0], Collections.emptyMap());
            call("DELETE", from + "/");
        }
        return true;
    }

    private void copy(String from, String to) throws IOException {
        s3.copy(bucket, from, to);
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        FileStatus status;
        try {
            status = getFileStatus(path);
        } catch (FileNotFoundException e) {
            return false;
        }
        String key = key(path);
        if (status.isDirectory()) {
            List<FileStatus> entries = list(key.isEmpty() ? "" : key + "/", false, 0);
            if (!entries.isEmpty() && !recursive) throw new IOException("Directory " + path + " is not empty");
            for (FileStatus entry : entries) call("DELETE", key(entry.getPath()) + (entry.isDirectory() ? "/" : ""));
            call("DELETE", key + "/");
        } else {
            call("DELETE", key);
        }
        return true;
    }

    @Override
    public boolean mkdirs(Path path, FsPermission permission) throws IOException {
        String key = key(path);
        if (!key.isEmpty()) call("PUT", key + "/", Collections.emptyMap(), new byte[0], Collections.emptyMap());
        return true;
    }

    /** A whole object in memory, seekable as Hadoop's readers need. */
    static final class SeekableBytes extends ByteArrayInputStream implements Seekable, PositionedReadable {
        SeekableBytes(byte[] data) { super(data); }

        @Override
        public void seek(long position) throws IOException {
            if (position < 0 || position > count) throw new EOFException("Cannot seek to " + position);
            pos = (int) position;
        }

        @Override
        public long getPos() { return pos; }

        @Override
        public boolean seekToNewSource(long target) { return false; }

        @Override
        public int read(long position, byte[] buffer, int offset, int length) {
            if (position >= count) return -1;
            int n = (int) Math.min(length, count - position);
            System.arraycopy(buf, (int) position, buffer, offset, n);
            return n;
        }

        @Override
        public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
            if (read(position, buffer, offset, length) < length) throw new EOFException("Read past the end");
        }

        @Override
        public void readFully(long position, byte[] buffer) throws IOException {
            readFully(position, buffer, 0, buffer.length);
        }
    }
}
