resource "tencentcloud_scf_namespace" "main" {
  namespace   = "wxlend-${var.stage}"
  description = "wxlend functions"
}

# Function URLs: every HTTP function is an event function reached by its
# own URL (API gateway triggers are retired). AuthType NONE: borrower
# auth, signatures and rate limits are in Go (shared/api). ApiGwCompatible
# keeps the API-gateway-shaped event shared/scf reads. The custom domain in
# front of them (one request domain for the mini-program) has no
# Terraform resource here: scripts/deploy.sh calls scf CreateCustomDomain.
resource "tencentcloud_scf_trigger" "url" {
  for_each      = toset(var.http_functions)
  function_name = each.value
  namespace     = tencentcloud_scf_namespace.main.namespace
  type          = "http"
  qualifier     = "$DEFAULT"
  enable        = "OPEN"
  trigger_desc = jsonencode({
    AuthType        = "NONE"
    NetConfig       = { EnableIntranet = true, EnableExtranet = true }
    ApiGwCompatible = true
  })
}
