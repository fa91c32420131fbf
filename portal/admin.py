from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("UZI"), {"fields": ("uzi_number",)}))
    list_display = ("username", "first_name", "last_name", "uzi_number", "is_active")
    search_fields = ("username", "first_name", "last_name", "uzi_number")
    inlines = (MembershipInline,)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "ura", "agb")
    list_filter = ("kind",)
    search_fields = ("name", "ura", "agb")
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "uzi_role_code", "is_active")
    list_filter = ("role", "organisation__kind", "is_active")
    autocomplete_fields = ("user", "organisation")
