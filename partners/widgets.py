"""A file input that speaks the page's language.

The browser draws a native file input in its own language ("Choose File / No
file chosen" in an English Chromium, whatever the page says). FileChooser keeps
the native input (it still takes the file, the keyboard focus and a dropped
file) but hides it behind a label in our words and shows the chosen file's name
in its place. AdminFileChooser is the same inside the admin's "Currently / Clear /
Change" for a file that is stored already."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget


class FileChooser(forms.FileInput):
    template_name = "partners/widgets/file_chooser.html"


class AdminFileChooser(AdminFileWidget):
    template_name = "partners/widgets/admin_file_chooser.html"
