package nimbus.flink.s3;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import nimbus.flink.s3.StagedObjectWriter.StagedObject;
import org.apache.flink.core.fs.RecoverableFsDataOutputStream;
import org.apache.flink.core.fs.RecoverableWriter;

/** A part being written: appended to its staging file, made durable (fsync) at every checkpoint. */
final class StagedObjectStream extends RecoverableFsDataOutputStream {
    private final S3FileSystem fs;
    private final String key;
    private final Path staging;
    private final FileOutputStream file;
    private final BufferedOutputStream out;
    private long position;

    StagedObjectStream(S3FileSystem fs, String key, Path staging) throws IOException {
        this.fs = fs;
        this.key = key;
        this.staging = staging;
        this.file = new FileOutputStream(staging.toFile());
        this.out = new BufferedOutputStream(file, 64 << 10);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        position++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        position += len;
    }

    @Override
    public long getPos() {
        return position;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void sync() throws IOException {
        out.flush();
        file.getFD().sync();
    }

    @Override
    public RecoverableWriter.ResumeRecoverable persist() throws IOException {
        sync();
        return new StagedObject(key, staging.toString(), position);
    }

    @Override
    public Committer closeForCommit() throws IOException {
        StagedObject done = (StagedObject) persist();
        out.close();
        return new Commit(fs, done);
    }

    /** Closes without committing; the staging file stays, as a checkpoint may still name it. */
    @Override
    public void close() throws IOException {
        out.close();
    }

    /** Makes a staged part the object it names: its recorded bytes, in one PutObject. */
    static final class Commit implements Committer {
        private final S3FileSystem fs;
        private final StagedObject part;

        Commit(S3FileSystem fs, StagedObject part) {
            this.fs = fs;
            this.part = part;
        }

        @Override
        public void commit() throws IOException {
            Path staging = Paths.get(part.staging);
            byte[] body = new byte[(int) part.length];
            try (InputStream in = Files.newInputStream(staging)) {
                if (in.readNBytes(body, 0, body.length) < body.length) {
                    throw new IOException("The staged part of " + part.key + " at " + staging + " is shorter than "
                            + part.length + " bytes");
                }
            }
            fs.put(part.key, body);
            Files.deleteIfExists(staging);
        }

        /** A commit again after a failure: done already when the staging file is gone and the object there. */
        @Override
        public void commitAfterRecovery() throws IOException {
            if (Files.exists(Paths.get(part.staging))) {
                commit();
            } else if (!fs.objectExists(part.key)) {
                throw new IOException("The staged part of " + part.key + " (" + part.staging + ") is lost");
            }
        }

        @Override
        public RecoverableWriter.CommitRecoverable getRecoverable() {
            return part;
        }
    }
}
