"""S3 Control: the account-level S3 settings (its Block Public Access), which S3's access checks apply."""
