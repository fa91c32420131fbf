"""The admin of organisations, accounts and roles.

What an administrator may not do here, by design (docs/identity.md): read or edit
anyone's second factor, set another person's password, change their own rights or
roles, or hold a clinical role (portal.models.CLINICAL_ROLES). Granting a clinical
role to someone else is a ledger event and an alert for that organisation's supervisor
(portal.services.membership_save).
"""

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import display_for_field
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.models import MisuseAlert
from portal.access import active_membership, deny
from portal.admin_ledger import admin_actor
from portal.models import CLINICAL_ROLES, Membership, Organisation, User
from portal.services import membership_save

# Fields that decide what an account may do: never editable by the account itself.
RIGHTS_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)

    # `obj` is the user whose page this is: nobody grants themselves a role.
    def _not_own_page(self, request, obj) -> bool:
        return obj is None or obj.pk != request.user.pk

    def has_add_permission(self, request, obj=None):
        return self._not_own_page(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._not_own_page(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._not_own_page(request, obj)


class AccountChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        staff = cleaned.get("is_staff") or cleaned.get("is_superuser")
        if staff and self.instance.pk:
            clinical = self.instance.memberships.filter(role__in=CLINICAL_ROLES, is_active=True)
            if clinical.exists():
                raise ValidationError(
                    _(
                        "This account holds a clinical role: it cannot get admin rights. "
                        "Give the person a separate account for administration."
                    )
                )
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AccountChangeForm
    # No password field: an administrator does not set another person's password
    # (they could then sign in as that person); see user_change_password.
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": RIGHTS_FIELDS}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("UZI"), {"fields": ("uzi_number",)}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "first_name", "last_name", "uzi_number", "is_active")
    search_fields = ("username", "first_name", "last_name", "uzi_number")
    inlines = (MembershipInline,)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return (*fields, *RIGHTS_FIELDS)
        return fields

    def user_change_password(self, request, id, form_url=""):
        # A password set by an administrator would let them sign in as that person.
        # Staff change their own password after login (allauth, asks the old one).
        raise deny(request, f"the admin does not set passwords (account {id})")

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        for membership in formset.save(commit=False):
            membership_save(membership=membership, actor=admin_actor(request))
        for membership in formset.deleted_objects:
            membership.delete()
        formset.save_m2m()
        return None


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    # Memberships are managed on the user's page or the memberships list, where
    # the checks on who grants what to whom apply.
    list_display = ("name", "kind", "ura", "agb")
    list_filter = ("kind",)
    search_fields = ("name", "ura", "agb")


class MembershipForm(forms.ModelForm):
    request_user: User | None = None

    class Meta:
        model = Membership
        fields = ("user", "organisation", "role", "uzi_role_code", "postal_code", "is_active")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if self.request_user is not None and user.pk == self.request_user.pk:
            raise ValidationError(_("You cannot give yourself a role."))
        return user


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "organisation", "role", "uzi_role_code", "is_active")
    list_filter = ("role", "organisation__kind", "is_active")
    autocomplete_fields = ("user", "organisation")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request_user": request.user})

    @staticmethod
    def _own(request, obj) -> bool:
        return obj is not None and obj.user_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        membership_save(membership=obj, actor=admin_actor(request))


# allauth registers its authenticators with their secrets (TOTP seed, recovery codes)
# on the page. Ours shows only that a factor exists; deleting one makes its owner enrol
# again at their next login (with their own password, which the administrator lacks).
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    # allauth's fields have no verbose names (their labels are the field names, in
    # English): the columns are methods with a Dutch description instead.
    list_display = ("owner", "type", "created", "last_used")
    list_filter = ("type",)
    fields = ("owner", "type", "created", "last_used")
    readonly_fields = fields
    search_fields = ("user__username",)

    @admin.display(description=_("user"), ordering="user__username")
    def owner(self, obj):
        return obj.user

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj):
        return self._as_field(obj, "created_at")

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, obj):
        return self._as_field(obj, "last_used_at")

    def _as_field(self, obj, name: str) -> str:
        # As the field itself would show, also on the read-only page: local time, or "-".
        field = Authenticator._meta.get_field(name)
        return display_for_field(getattr(obj, name), field, self.get_empty_value_display())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Misuse alerts belong to audit; their admin is here because who sees which alert is
# decided by the membership the viewer acts for (portal.access), and audit does not
# import portal (docs/architecture.md).
@admin.register(MisuseAlert)
class MisuseAlertAdmin(admin.ModelAdmin):
    """Until the supervisor pages come (roadmap 6): alerts are read here, each only within
    its own organisation, and never deleted (the database refuses it too).
    The one thing to change is "reviewed"; a reviewed alert stays as it is."""

    list_display = (
        "last_seen_at",
        "kind",
        "username",
        "user_name",
        "organisation_name",
        "hits",
        "reviewed",
    )
    list_filter = ("kind", "reviewed")
    fields = (
        "kind",
        "username",
        "user_name",
        "organisation_ura",
        "organisation_name",
        "first_seen_at",
        "last_seen_at",
        "hits",
        "detail",
        "reviewed",
    )
    readonly_fields = fields[:-1]

    def get_queryset(self, request):
        # An HAP's administrator does not see the SEH's alerts: only those of the
        # organisation the viewer acts for now; without one, none.
        membership = active_membership(request)
        ura = membership.organisation.ura if membership else ""
        if not ura:
            return super().get_queryset(request).none()
        return super().get_queryset(request).filter(organisation_ura=ura)

    def has_add_permission(self, request):
        return False  # alerts come from audit.alerts.misuse_alert_raise only

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.reviewed:
            return False  # reviewed alerts stay as they are: a new hit opens a new alert
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
