package model

// Site settings that say who is responsible for supporters' data (the
// controller, in data protection law), set by an admin and shown on
// /privacy.
const (
	SettingControllerName    = "controller-name"
	SettingControllerAddress = "controller-address"
	SettingControllerContact = "controller-contact"
)

// Controller is who is responsible for supporters' data.
type Controller struct {
	Name, Address, Contact string
}
