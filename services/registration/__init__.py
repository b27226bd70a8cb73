"""Voluntary treatment registration (đăng ký cai nghiện tự nguyện): form, reference code, status, staff list."""
