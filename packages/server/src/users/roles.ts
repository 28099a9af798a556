/** The role a person needs for the admin pages (`frontdesk user create --roles frontdesk:admin`). */
export const ADMIN_ROLE = "frontdesk:admin";
