from nimbus import lazy_native

__version__ = "0.1.0"

lazy_native.defer()  # before anything imports botocore, which imports awscrt
