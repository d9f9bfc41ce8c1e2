# Creating documents, notes, drafts and spreadsheets.
@intents hasCreateDocIntent
@prefix [{wake},^0.3] [{hes},^0.1]
create {doc_kind} called {doc_title} @w=3
start {doc_kind} for {doc_topic} @w=2
create a new document @w=2
open a blank document
make a new note titled {doc_title}
draft {doc_kind} about {doc_topic}
write up {doc_kind} for {event}
create a spreadsheet to track {spend_cat}
new doc
new document called {doc_title}
take a note: {note_text}
make a note that {note_text}
start a new page for {doc_topic}
write a letter to {person}
put together an agenda for {event}
make a shared doc with {person} for {doc_topic}
(can|could) you create {doc_kind} for {doc_topic}?
I need {doc_kind} for {doc_topic}
open a new doc and call it {doc_title}
start a draft called {doc_title}
create a template for {doc_topic}
make {doc_kind} with notes from {event}
write down some notes for {event}
create {doc_kind} and share it with {person}
start {doc_kind} with the minutes from {event}
begin a new document about {doc_topic}
spin up a new spreadsheet for {doc_title}
new note: {note_text}
create {doc_kind} summarizing {doc_topic}
draft a thank you letter to {person}
write a speech for {event}
make a checklist document for {event}
could you start a new doc for me?
um, make a, uh, new document for {doc_topic}
create a document titled {doc_title} in my work folder
I want to start writing {doc_kind} on {doc_topic}
set up a new doc for {doc_topic} and share it with {people}
open up a fresh page called {doc_title}
create a meeting notes doc for {event}
write a short bio of {person} in a new doc
make a new spreadsheet with columns for date, amount and category
draft {doc_kind} for {person} about {doc_topic}
create a slide deck for {event}
start a journal entry for today
dictate a note: {note_text}
make a doc out of this: {note_text}
write up a plan for {doc_topic}
I'd like a new document for {doc_title}, please
create a packing checklist doc for {trip}
write a toast for {event}
