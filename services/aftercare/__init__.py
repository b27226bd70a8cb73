"""After-care check-ins (quản lý sau cai nghiện): plans, enrolment with consent, answers, escalation, scheduling."""
