from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from summaries.models import GpPractice, QuarantinedItem, Summary
from summaries.services.quarantine import quarantine_reprocess
from summaries.services.store_lock import store_lock_shared
from summaries.tasks import pull_practice_task


class GpPracticeForm(forms.ModelForm):
    """The bearer token is write-only: a new one can be entered, the current one is never sent
    back to the browser (nor read: the form works without PRACTICE_TOKEN_KEYS' old keys)."""

    new_token = forms.CharField(
        label=capfirst(GpPractice._meta.get_field("token").verbose_name),
        required=False,
        max_length=GpPractice._meta.get_field("token").max_length,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "The token the practice's FHIR server issued to us. It is stored encrypted and "
            "never shown again; leave this empty to keep the current one."
        ),
    )

    class Meta:
        model = GpPractice
        # Not the token itself: the form reads none, the new one is set in save().
        fields = (
            "agb",
            "ura",
            "name",
            "fhir_base_url",
            "is_active",
            "pull_interval_minutes",
            "next_pull_at",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_token"].required = self.instance.pk is None  # a new practice needs one

    def save(self, commit=True):
        if self.cleaned_data["new_token"]:
            self.instance.token = self.cleaned_data["new_token"]
        return super().save(commit)


@admin.register(GpPractice)
class GpPracticeAdmin(admin.ModelAdmin):
    form = GpPracticeForm
    list_display = (
        "name",
        "agb",
        "is_active",
        "token_set",
        "healthy",
        "last_success_at",
        "last_error_at",
        "consecutive_failures",
        "open_quarantine",
        "watermark",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "=agb", "=ura")
    fields = (
        "agb",
        "ura",
        "name",
        "fhir_base_url",
        "new_token",
        "token_set",
        "is_active",
        "pull_interval_minutes",
        "next_pull_at",
        "watermark",
        "last_pull_started_at",
        "last_success_at",
        "last_error_at",
        "last_error",
        "consecutive_failures",
        "last_counts",
    )
    readonly_fields = (
        "token_set",
        "watermark",
        "last_pull_started_at",
        "last_success_at",
        "last_error_at",
        "last_error",
        "consecutive_failures",
        "last_counts",
    )
    actions = ("pull_now",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            # Not even the ciphertext is read: whether a token is set is all these pages show.
            .defer("token")
            .annotate(
                open_quarantine_count=Count("quarantine", filter=Q(quarantine__status="open")),
                has_token=~Q(token=""),
            )
        )

    @admin.display(boolean=True, description=_("bearer token set"), ordering="has_token")
    def token_set(self, obj):
        return getattr(obj, "has_token", False)  # a practice being added has none yet

    @admin.display(boolean=True, description=_("healthy"))
    def healthy(self, obj):
        return obj.healthy

    @admin.display(description=_("quarantined (open)"), ordering="open_quarantine_count")
    def open_quarantine(self, obj):
        return obj.open_quarantine_count

    @admin.action(description=_("Pull now"))
    def pull_now(self, request, queryset):
        for practice in queryset:
            pull_practice_task.delay(practice.pk)
        self.message_user(request, _("%d pull(s) queued.") % queryset.count())


class QuarantinedItemForm(forms.ModelForm):
    """Reopening an item whose input a later pull quarantined again (an open item of its
    own) would break "one open item per practice and source input"; Django's own
    constraint check skips it, because the practice and the key are not on the form."""

    class Meta:
        model = QuarantinedItem
        fields = ("status",)

    def clean_status(self):
        status = self.cleaned_data["status"]
        item = self.instance
        if status == QuarantinedItem.Status.OPEN and item.status != status:
            other = (
                QuarantinedItem.objects.filter(
                    practice_id=item.practice_id,
                    source_key=item.source_key,
                    status=QuarantinedItem.Status.OPEN,
                )
                .exclude(pk=item.pk)
                .first()
            )
            if other is not None:
                raise forms.ValidationError(
                    _(
                        "A later pull quarantined this input again: item %(id)s is open for "
                        "it. Work on that one."
                    ),
                    code="open_elsewhere",
                    params={"id": other.pk},
                )
        return status


@admin.register(QuarantinedItem)
class QuarantinedItemAdmin(admin.ModelAdmin):
    form = QuarantinedItemForm
    list_display = (
        "created_at",
        "practice",
        "resource_type",
        "resource_id",
        "reason",
        "status",
        "attempts",
        "times_seen",
        "size_bytes",
    )
    list_filter = ("status", "kind", "resource_type")
    search_fields = ("reason", "=resource_id")
    exclude = ("payload",)
    readonly_fields = (
        "practice",
        "reason",
        "resource_type",
        "resource_id",
        "patient_bsn",
        "kind",
        "size_bytes",
        "attempts",
        "resolved_at",
        "times_seen",
        "last_seen_at",
    )
    actions = ("reprocess",)

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # The store lock first, as every writer of the quarantine (summaries.services.
        # store_lock), and only what the form changed: saving the whole row would write back
        # a payload that a refusal's purge emptied after the form read it.
        store_lock_shared()
        obj.save(update_fields=form.changed_data)

    @admin.action(description=_("Reprocess"))
    def reprocess(self, request, queryset):
        imported = sum(quarantine_reprocess(item=item) for item in queryset)
        level = messages.SUCCESS if imported else messages.WARNING
        self.message_user(
            request,
            _("%(n)d of %(total)d imported.") % {"n": imported, "total": queryset.count()},
            level,
        )


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    """Metadata only: administrators do not read summaries (that is triage's, with consent)."""

    list_display = (
        "id",
        "practice",
        "fetched_at",
        "source_updated_at",
        "size_bytes",
        "fhir_version",
    )
    fields = list_display
    readonly_fields = list_display
    list_select_related = ("practice",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
