package web

import "strings"

// countryNames names the countries that threat reports mention most; any
// other code is shown as it is.
var countryNames = map[string]string{
	"AE": "United Arab Emirates", "AF": "Afghanistan", "AM": "Armenia", "AR": "Argentina", "AT": "Austria",
	"AU": "Australia", "AZ": "Azerbaijan", "BD": "Bangladesh", "BE": "Belgium", "BG": "Bulgaria", "BR": "Brazil",
	"BY": "Belarus", "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia",
	"CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "EG": "Egypt", "ES": "Spain",
	"FI": "Finland", "FR": "France", "GB": "United Kingdom", "GE": "Georgia", "GR": "Greece", "HK": "Hong Kong",
	"HU": "Hungary", "ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IN": "India", "IQ": "Iraq", "IR": "Iran",
	"IS": "Iceland", "IT": "Italy", "JO": "Jordan", "JP": "Japan", "KE": "Kenya", "KP": "North Korea (DPRK)",
	"KR": "South Korea (Republic of Korea)", "KW": "Kuwait", "KZ": "Kazakhstan", "LB": "Lebanon", "LT": "Lithuania",
	"LU": "Luxembourg", "LV": "Latvia", "MA": "Morocco", "MD": "Moldova", "MX": "Mexico", "MY": "Malaysia",
	"NG": "Nigeria", "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PH": "Philippines", "PK": "Pakistan",
	"PL": "Poland", "PT": "Portugal", "QA": "Qatar", "RO": "Romania", "RS": "Serbia", "RU": "Russia",
	"SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore", "SK": "Slovakia", "SY": "Syria", "TH": "Thailand",
	"TR": "Türkiye", "TW": "Taiwan", "UA": "Ukraine", "US": "United States", "VE": "Venezuela", "VN": "Vietnam",
	"ZA": "South Africa",
}

func countryName(code string) string {
	if n, ok := countryNames[strings.ToUpper(code)]; ok {
		return n
	}
	return code
}
