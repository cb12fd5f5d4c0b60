package nimbus.flink.s3;

/** The same filesystem under the {@code s3a://} scheme (Hadoop's name for S3, which applications use too). */
public class S3aFileSystemFactory extends S3FileSystemFactory {
    @Override
    public String getScheme() {
        return "s3a";
    }
}
