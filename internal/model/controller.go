package model

// Site settings that say who is responsible for supporters' data (the
// controller, in data protection law), set by an admin and shown on
// /privacy.
const (
	SettingControllerName    = "controller-name"
	SettingControllerAddress = "controller-address"
	SettingControllerContact = "controller-contact"
	// SettingControllerFinance says how long donations' financial records
	// are kept, and under which law: the controller's to say.
	SettingControllerFinance = "controller-finance"
)

// Controller is who is responsible for supporters' data.
type Controller struct {
	Name, Address, Contact string
	Finance                string // how long financial records are kept, and why; "": as the law on accounts requires
}
