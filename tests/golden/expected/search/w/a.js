(self.siteSearchData=self.siteSearchData||{})["w/a"]={"terms":"ada agre alan appli ask atom"};
