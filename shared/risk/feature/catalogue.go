package feature

// The feature catalogue. Names carry their unit (_fen, _months, _km, _1h);
// windows are trailing (7d = the last 7 days, 3m = the last 3 months).
// Append only: never rename, retype or remove a feature (see Catalogue).

var namedFeatures = []Def{
	// Applicant and identity (KYC step).
	{Name: "age", Type: Int, Required: true, Doc: "age in whole years on the decision date, from the verified ID"},
	{Name: "is_student", Type: Bool, Required: true, Doc: "a current student (school-status check or declaration)"},
	{Name: "identity_verified", Type: Bool, Required: true, Doc: "name + ID number verified with the authoritative source"},
	{Name: "liveness_verified", Type: Bool, Required: true, Doc: "liveness and face match passed"},
	{Name: "liveness_score", Type: Float, Doc: "liveness provider similarity score, 0..1"},
	{Name: "declared_province", Type: String, Doc: "province the applicant declared"},
	{Name: "declared_city", Type: String, Doc: "city the applicant declared"},
	{Name: "education_level", Type: Int, Doc: "0 unknown, 1 below high school, 2 high school, 3 college, 4 bachelor, 5 postgraduate"},
	{Name: "occupation_code", Type: String, Doc: "declared occupation category code"},
	{Name: "monthly_income_declared_fen", Type: Int, Doc: "declared monthly income"},
	{Name: "id_card_days_to_expiry", Type: Int, Doc: "days until the ID card expires"},

	// Derived from the product by Decide.
	{Name: "product_min_age", Type: Int, Derived: true, Doc: "the product's minimum borrower age"},
	{Name: "product_max_age", Type: Int, Derived: true, Doc: "the product's maximum borrower age"},

	// The application.
	{Name: "requested_amount_fen", Type: Int, Doc: "amount requested, if any"},
	{Name: "requested_term_months", Type: Int, Doc: "term requested, if any"},
	{Name: "application_hour", Type: Int, Doc: "hour of day of the application, Asia/Shanghai, 0..23"},
	{Name: "internal_applications_30d", Type: Int, Doc: "applications by this user with us in the last 30 days"},

	// Device (client SDK flags and Redis velocity).
	{Name: "device_emulator", Type: Bool, Doc: "the client runs in an emulator"},
	{Name: "device_rooted", Type: Bool, Doc: "the device is rooted or jailbroken"},
	{Name: "device_hooked", Type: Bool, Doc: "a hooking framework (Xposed, Frida, ...) is present"},
	{Name: "device_debugger", Type: Bool, Doc: "a debugger is attached"},
	{Name: "device_app_clone", Type: Bool, Doc: "the app runs in a cloning/multi-instance container"},
	{Name: "device_vpn", Type: Bool, Doc: "a VPN is active"},
	{Name: "device_fingerprint_age_days", Type: Int, Doc: "days since the device fingerprint was first seen"},
	{Name: "device_os", Type: String, Doc: "android, ios, harmonyos, other"},
	{Name: "device_velocity_1h", Type: Int, Doc: "applications from this device in the last hour"},
	{Name: "device_velocity_24h", Type: Int, Doc: "applications from this device in the last 24 hours"},
	{Name: "accounts_per_device", Type: Int, Doc: "distinct accounts seen on this device"},
	{Name: "devices_per_account_30d", Type: Int, Doc: "distinct devices used by this account in 30 days"},

	// IP and geo.
	{Name: "ip_velocity_1h", Type: Int, Doc: "applications from this IP in the last hour"},
	{Name: "ip_velocity_24h", Type: Int, Doc: "applications from this IP in the last 24 hours"},
	{Name: "ip_is_proxy", Type: Bool, Doc: "the IP is a known proxy"},
	{Name: "ip_is_datacenter", Type: Bool, Doc: "the IP belongs to a hosting provider"},
	{Name: "ip_is_foreign", Type: Bool, Doc: "the IP geolocates outside mainland China"},
	{Name: "ip_province", Type: String, Doc: "province of the IP"},
	{Name: "ip_city", Type: String, Doc: "city of the IP"},
	{Name: "network_type", Type: String, Doc: "wifi, 4g, 5g, other"},
	{Name: "geo_city_mismatch", Type: Bool, Doc: "declared city differs from the IP region (CityMismatch)"},
	{Name: "impossible_travel", Type: Bool, Doc: "two recent locations too far apart for the time between them (ImpossibleTravel)"},
	{Name: "travel_speed_kmh", Type: Float, Doc: "implied speed between the last two locations"},

	// Blacklists and courts.
	{Name: "blacklist_internal", Type: Bool, Required: true, Doc: "ID hash on the internal blacklist"},
	{Name: "blacklist_thirdparty", Type: Bool, Required: true, Doc: "ID hash on a third-party blacklist"},
	{Name: "blacklist_device", Type: Bool, Doc: "device fingerprint on the internal blacklist"},
	{Name: "court_enforcement", Type: Bool, Required: true, Doc: "a court enforcement (被执行人) record"},
	{Name: "court_dishonest", Type: Bool, Doc: "on the dishonest judgment-debtor list (失信被执行人)"},

	// Multi-platform lending (多头借贷).
	{Name: "multi_platform_apps_7d", Type: Int, Doc: "loan applications across platforms, last 7 days"},
	{Name: "multi_platform_apps_1m", Type: Int, Doc: "loan applications across platforms, last month"},
	{Name: "multi_platform_apps_3m", Type: Int, Required: true, Doc: "loan applications across platforms, last 3 months"},
	{Name: "multi_platform_apps_6m", Type: Int, Doc: "loan applications across platforms, last 6 months"},
	{Name: "multi_platform_orgs_3m", Type: Int, Doc: "distinct institutions applied to, last 3 months"},
	{Name: "multi_platform_loans_open", Type: Int, Doc: "loans currently open across platforms"},

	// Mobile operator.
	{Name: "operator_tenure_months", Type: Int, Doc: "months the phone number has been in service (在网时长)"},
	{Name: "operator_realname_match", Type: Bool, Doc: "the number's real-name registration matches the applicant"},
	{Name: "operator_status_normal", Type: Bool, Doc: "the number is in normal service"},
	{Name: "phone_carrier", Type: String, Doc: "cmcc, cucc, ctcc, other"},

	// Third-party scores.
	{Name: "thirdparty_score", Type: Int, Doc: "third-party credit score, 300..900"},
	{Name: "thirdparty_fraud_score", Type: Int, Doc: "third-party fraud score, 0..100, higher is riskier"},
	{Name: "bureau_thin_file", Type: Bool, Doc: "the credit file has too little history to score"},

	// Internal repayment history.
	{Name: "internal_loans_count", Type: Int, Doc: "loans taken with us"},
	{Name: "internal_on_time_installments", Type: Int, Doc: "installments paid on time with us"},
	{Name: "internal_max_dpd", Type: Int, Doc: "worst days past due ever with us"},
	{Name: "internal_current_dpd", Type: Int, Doc: "days past due now with us"},
	{Name: "internal_outstanding_fen", Type: Int, Doc: "principal outstanding with us"},
	{Name: "internal_months_on_book", Type: Int, Doc: "months since the first loan with us"},
	{Name: "internal_declines_30d", Type: Int, Doc: "declined applications with us in 30 days"},
	{Name: "internal_early_repayments", Type: Int, Doc: "loans repaid early with us"},

	// Behaviour in the mini-program.
	{Name: "behav_form_fill_seconds", Type: Int, Doc: "seconds spent filling the application form"},
	{Name: "behav_paste_count", Type: Int, Doc: "paste events in the application form"},
	{Name: "behav_session_count_24h", Type: Int, Doc: "sessions in the last 24 hours"},
	{Name: "behav_night_sessions_7d", Type: Int, Doc: "sessions between 00:00 and 05:00 in 7 days"},
}

type family struct {
	prefix  string
	typ     Type
	doc     string
	windows []string
}

var stdWindows = []string{"7d", "1m", "3m", "6m", "12m"}

// families are the generic bureau and alternative-data aggregates,
// one feature per trailing window: <prefix>_<window>.
var families = []family{
	{"bureau_inquiries", Int, "credit-report hard inquiries", stdWindows},
	{"bureau_new_accounts", Int, "credit accounts opened", stdWindows},
	{"bureau_delinquent_accounts", Int, "credit accounts that became delinquent", stdWindows},
	{"bureau_card_spend_fen", Int, "credit-card spend", stdWindows},
	{"bureau_card_utilization", Float, "average credit-card utilization, 0..1+", stdWindows},
	{"bureau_payment_ratio", Float, "amount repaid / amount due", stdWindows},
	{"bureau_loan_balance_fen", Int, "average loan balance", stdWindows},
	{"alt_ecommerce_orders", Int, "e-commerce orders", stdWindows},
	{"alt_ecommerce_spend_fen", Int, "e-commerce spend", stdWindows},
	{"alt_ecommerce_returns", Int, "e-commerce returns", stdWindows},
	{"alt_telecom_bill_fen", Int, "telecom bills paid", stdWindows},
	{"alt_recharge_count", Int, "prepaid top-ups", stdWindows},
	{"alt_utility_late_payments", Int, "late utility payments", stdWindows},
	{"mp_bank_apps", Int, "applications to banks", stdWindows},
	{"mp_consumer_finance_apps", Int, "applications to consumer-finance companies", stdWindows},
	{"mp_microloan_apps", Int, "applications to microloan companies", stdWindows},
	{"mp_rejections", Int, "applications rejected across platforms", stdWindows},
	{"mp_repaid_fen", Int, "amount repaid across platforms", stdWindows},
	{"mp_overdue_count", Int, "overdue events across platforms", stdWindows},
	{"behav_logins", Int, "logins", stdWindows},
	{"behav_failed_logins", Int, "failed logins", stdWindows},
	{"behav_password_resets", Int, "password or payment-PIN resets", stdWindows},
	{"dev_distinct_ips", Int, "distinct IPs used by the account", stdWindows},
	{"dev_distinct_cities", Int, "distinct IP cities used by the account", stdWindows},
	{"geo_distinct_cities", Int, "distinct device-location cities", stdWindows},
	{"geo_max_distance_km", Float, "largest distance between two device locations", stdWindows},
}
