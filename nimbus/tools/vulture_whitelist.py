"""Names vulture cannot see used: reached by name at run time, not in the source.

Read by ``vulture`` (see [tool.vulture] in pyproject.toml) as code that uses each name below. Provider
operation methods are looked up by the dispatcher from the model's operation names: a provider's new
operation method is added here.
"""
# ruff: noqa: B018
from typing import Any

_: Any = object()

# -- reached by the frameworks nimbus plugs into ----------------------------------------------
_.do_POST  # http.server request handler (examples)
_.log_message  # http.server request handler (examples)
_._get_date  # botocore signer override (gateway/sigv2.py)
_.headers_to_sign  # botocore signer override (gateway/sigv4.py)
_.should_exit  # uvicorn server flag (server.py)
_.body_bytes  # HttpResponse: the tests read a response's bytes through it

# -- owned by other work in progress; whitelisted until it lands --------------------------------
_.max_clock_skew_seconds  # Config: its reader moves with the NIMBUS_* settings

# -- provider operation methods: the dispatcher calls xform_name(operation) ----------------------
# cloudtrail
_.add_tags
_.create_channel
_.delete_channel
_.delete_resource_policy
_.delete_trail
_.describe_trails
_.get_event_selectors
_.get_resource_policy
_.get_trail
_.get_trail_status
_.list_channels
_.list_tags
_.list_trails
_.put_event_selectors
_.put_resource_policy
_.remove_tags
_.update_channel
_.update_trail
# firehose
_.list_delivery_streams
_.list_tags_for_delivery_stream
_.start_delivery_stream_encryption
_.stop_delivery_stream_encryption
_.tag_delivery_stream
_.untag_delivery_stream
_.update_destination
# iam
_.add_role_to_instance_profile
_.add_user_to_group
_.attach_group_policy
_.attach_role_policy
_.attach_user_policy
_.create_access_key
_.create_group
_.create_instance_profile
_.create_policy
_.create_policy_version
_.delete_access_key
_.delete_group
_.delete_group_policy
_.delete_instance_profile
_.delete_policy
_.delete_policy_version
_.delete_role
_.delete_role_policy
_.delete_user
_.delete_user_policy
_.detach_group_policy
_.detach_role_policy
_.detach_user_policy
_.get_account_authorization_details
_.get_group
_.get_group_policy
_.get_instance_profile
_.get_policy
_.get_policy_version
_.get_role
_.get_role_policy
_.get_user
_.get_user_policy
_.list_access_keys
_.list_entities_for_policy
_.list_group_policies
_.list_groups
_.list_groups_for_user
_.list_instance_profiles
_.list_instance_profiles_for_role
_.list_policies
_.list_policy_versions
_.list_role_policies
_.list_role_tags
_.list_roles
_.list_user_policies
_.list_user_tags
_.list_users
_.put_group_policy
_.put_role_policy
_.put_user_policy
_.remove_role_from_instance_profile
_.remove_user_from_group
_.set_default_policy_version
_.simulate_custom_policy
_.simulate_principal_policy
_.tag_role
_.tag_user
_.untag_role
_.untag_user
_.update_access_key
_.update_assume_role_policy
_.update_role_description
# kinesis
_.acknowledge_dead_letter_queue_records
_.acknowledge_queue_records
_.add_tags_to_stream
_.create_channel
_.create_queue
_.decrease_stream_retention_period
_.delete_channel
_.delete_queue
_.delete_resource_policy
_.delete_stream
_.deregister_stream_consumer
_.describe_account_settings
_.describe_channel
_.describe_queue
_.describe_stream
_.describe_stream_consumer
_.disable_enhanced_monitoring
_.enable_enhanced_monitoring
_.get_resource_policy
_.increase_stream_retention_period
_.list_channels
_.list_queues
_.list_stream_consumers
_.list_tags_for_resource
_.list_tags_for_stream
_.merge_shards
_.put_resource_policy
_.receive_dead_letter_queue_records
_.receive_queue_records
_.register_stream_consumer
_.remove_tags_from_stream
_.restore_dead_letter_queue_records
_.split_shard
_.start_stream_encryption
_.stop_stream_encryption
_.subscribe_to_shard
_.tag_resource
_.untag_resource
_.update_account_settings
_.update_channel
_.update_dead_letter_queue_records_visibility
_.update_max_record_size
_.update_queue
_.update_queue_records_visibility
_.update_stream_mode
_.update_stream_record_distribution_strategy
_.update_stream_warm_throughput
# kms
_.cancel_key_deletion
_.create_alias
_.create_grant
_.delete_alias
_.delete_imported_key_material
_.derive_shared_secret
_.disable_key
_.disable_key_rotation
_.enable_key
_.enable_key_rotation
_.generate_data_key_pair
_.generate_data_key_pair_without_plaintext
_.generate_data_key_without_plaintext
_.generate_mac
_.generate_random
_.get_key_last_usage
_.get_key_policy
_.get_key_rotation_status
_.get_parameters_for_import
_.get_public_key
_.import_key_material
_.list_aliases
_.list_grants
_.list_key_policies
_.list_key_rotations
_.list_keys
_.list_resource_tags
_.list_retirable_grants
_.put_key_policy
_.re_encrypt
_.replicate_key
_.retire_grant
_.revoke_grant
_.rotate_key_on_demand
_.schedule_key_deletion
_.tag_resource
_.untag_resource
_.update_alias
_.update_key_description
_.update_primary_region
_.verify_mac
# logs
_.associate_kms_key
_.delete_log_group
_.delete_log_stream
_.delete_resource_policy
_.delete_retention_policy
_.describe_log_groups
_.describe_log_streams
_.disassociate_kms_key
_.list_tags_for_resource
_.list_tags_log_group
_.put_log_group_deletion_protection
_.put_resource_policy
_.put_retention_policy
_.tag_log_group
_.tag_resource
_.untag_log_group
_.untag_resource
# s3
_.abort_multipart_upload
_.complete_multipart_upload
_.copy_object
_.create_multipart_upload
_.delete_bucket
_.delete_bucket_cors
_.delete_bucket_encryption
_.delete_bucket_lifecycle
_.delete_bucket_ownership_controls
_.delete_bucket_policy
_.delete_bucket_tagging
_.delete_bucket_website
_.delete_object
_.delete_object_tagging
_.delete_objects
_.delete_public_access_block
_.get_bucket_acl
_.get_bucket_cors
_.get_bucket_encryption
_.get_bucket_lifecycle_configuration
_.get_bucket_location
_.get_bucket_notification_configuration
_.get_bucket_ownership_controls
_.get_bucket_policy
_.get_bucket_policy_status
_.get_bucket_tagging
_.get_bucket_versioning
_.get_bucket_website
_.get_object_acl
_.get_object_tagging
_.get_public_access_block
_.head_bucket
_.list_buckets
_.list_multipart_uploads
_.list_object_versions
_.list_objects
_.list_parts
_.put_bucket_acl
_.put_bucket_cors
_.put_bucket_encryption
_.put_bucket_lifecycle_configuration
_.put_bucket_notification_configuration
_.put_bucket_ownership_controls
_.put_bucket_tagging
_.put_bucket_versioning
_.put_bucket_website
_.put_object_acl
_.put_object_tagging
_.put_public_access_block
_.upload_part
_.upload_part_copy
# sns
_.add_permission
_.delete_topic
_.get_subscription_attributes
_.get_topic_attributes
_.list_subscriptions
_.list_subscriptions_by_topic
_.list_tags_for_resource
_.list_topics
_.publish_batch
_.remove_permission
_.set_subscription_attributes
_.tag_resource
_.untag_resource
# sts
_.assume_role
_.get_session_token
