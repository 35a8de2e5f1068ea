package simulate

// usersPerInstall is how many users an installation has on average in
// the default fleet: 2,000 users over 500 installations.
const usersPerInstall = 4

// UsersFor is the number of users a fleet of installs has when Users is
// not set: the default fleet's proportion, so a 50-installation demo has
// 200 users, not 2,000 crowded onto 50 installations.
func UsersFor(installs int) int { return max(1, installs*usersPerInstall) }
