(self.siteSearchData=self.siteSearchData||{})["x/bi"]={"df":"01","terms":"biton"};
