from django.contrib import admin

from pgtrigger.contrib.admin import FSMAdminMixin, HistoryAdminMixin, SoftDeleteAdminMixin
from tests.admin_app.models import Comment, Post


@admin.register(Post)
class PostAdmin(FSMAdminMixin, SoftDeleteAdminMixin, HistoryAdminMixin, admin.ModelAdmin):
    list_display = ("title", "status", "version", "is_active")
    readonly_fields = ("version", "changed_by", "is_active")


@admin.register(Comment)
class CommentAdmin(SoftDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("text", "post", "is_active")
    readonly_fields = ("is_active",)
