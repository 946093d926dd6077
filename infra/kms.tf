# The key that wraps PII data keys (envelope encryption, shared/pii).
# is_enabled defaults to false: a disabled key would refuse every
# GenerateDataKey.
resource "tencentcloud_kms_key" "pii" {
  alias                         = "wxlend-${var.stage}-pii"
  description                   = "wxlend PII envelope encryption"
  key_usage                     = "ENCRYPT_DECRYPT"
  is_enabled                    = true
  key_rotation_enabled          = true
  pending_delete_window_in_days = 30
}
